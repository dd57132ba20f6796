/**
 * The floors of the ladder (PERFORMANCE.md): a bare `Bun.serve` pass-through to the mock.
 *   L1: bun bench/proxy-bare.ts                 (fetch to the mock, body passed through both ways)
 *   L2: bun bench/proxy-bare.ts --sign          (the same + one RSA-2048 OCI signature per request,
 *                                                node:crypto, key parsed once: the signed floor)
 *   L2e: add --elysia to either: the same behind one Elysia route validating the gateway's
 *        ChatCompletionRequest schema (what the framework costs; a one-off comparison, not an arm)
 *   L2o: bun bench/proxy-bare.ts --sign --openssl (the same signature through the system's OpenSSL,
 *                                                as the binary signs when it can: the floor for
 *                                                the binary's own signer)
 * Env: UPSTREAM (mock base URL), and for --sign KEY_FILE (PEM) and KEY_ID.
 * Prints "proxy-bare listening on http://127.0.0.1:PORT".
 */
import { createHash, createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { opensslSigner } from "../src/oci/openssl-rsa";

const upstream = new URL("/20231130/actions/chat", process.env.UPSTREAM ?? "http://127.0.0.1:1");
const target = upstream.href;
const host = upstream.host;
const requestTarget = `post ${upstream.pathname}`;
const signing = process.argv.includes("--sign");
const key = signing ? createPrivateKey(readFileSync(process.env.KEY_FILE!, "utf8")) : undefined;
const keyId = process.env.KEY_ID ?? "bench";
const openssl = key && process.argv.includes("--openssl") ? opensslSigner(key) : undefined;
if (typeof openssl === "string") throw new Error(`--openssl: ${openssl}`);
const rsaSign = openssl ?? ((data: Uint8Array) => sign("sha256", data, key!));

/** Signs (when asked) and forwards one body to the mock; the mock's answer streams back as is. */
async function forward(body: Uint8Array<ArrayBuffer>, accept: string, signal: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", accept };
  if (key) {
    const date = new Date().toUTCString();
    const sha = createHash("sha256").update(body).digest("base64");
    const len = String(body.byteLength);
    const signingString = `x-date: ${date}\n(request-target): ${requestTarget}\nhost: ${host}\ncontent-type: application/json\ncontent-length: ${len}\nx-content-sha256: ${sha}`;
    const signature = rsaSign(Buffer.from(signingString)).toString("base64");
    headers["x-date"] = date;
    headers["x-content-sha256"] = sha;
    headers["content-length"] = len;
    headers.authorization = `Signature version="1",keyId="${keyId}",algorithm="rsa-sha256",headers="x-date (request-target) host content-type content-length x-content-sha256",signature="${signature}"`;
  }
  const res = await fetch(target, { method: "POST", headers, body, signal });
  return new Response(res.body, {
    status: res.status,
    headers: { "content-type": res.headers.get("content-type") ?? "application/json" },
  });
}

const server = process.argv.includes("--elysia")
  ? await elysiaServer()
  : Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        return forward(new Uint8Array(await req.arrayBuffer()), req.headers.get("accept") ?? "*/*", req.signal);
      },
    });

/**
 * `--elysia`: the same forwarding behind one Elysia route that parses the JSON body, validates it
 * against the gateway's own ChatCompletionRequest schema and serializes it again — what the
 * framework alone costs per request, the most a leaner route path could save (issue 17).
 */
async function elysiaServer() {
  const { Elysia } = await import("elysia");
  const { ChatCompletionRequest } = await import("../src/families/openai/schemas");
  const app = new Elysia().post(
    "/v1/chat/completions",
    ({ body, request }) =>
      forward(new TextEncoder().encode(JSON.stringify(body)), request.headers.get("accept") ?? "*/*", request.signal),
    { body: ChatCompletionRequest },
  );
  app.listen({ hostname: "127.0.0.1", port: 0 });
  return app.server!;
}
console.log(`proxy-bare listening on http://127.0.0.1:${server.port}`);
// Exit through process.exit so `bun --cpu-prof` writes its profile (bench/profile.ts --arm l2).
for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => process.exit(0));
