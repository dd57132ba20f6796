/**
 * The cold-start floor: the smallest compiled Bun server, answering 200 on every path. The bench
 * compiles it with build.ts (OCIGENAI_ENTRY), as the gateway is, and times it with the same harness
 * (cold-start.sh), in the same minutes, so the gateway's figure can be read against what this
 * machine takes to start any compiled Bun server right then (on a shared VM that moves by half
 * between hours). Takes the gateway's arguments and ignores all but --port and --host.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
Bun.serve({
  port: Number(arg("--port", "0")),
  hostname: arg("--host", "127.0.0.1"),
  fetch: () => new Response("ok"),
});
