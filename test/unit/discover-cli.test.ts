/** `discover` on the command line and its endpoint override (src/cli/args.ts, src/config/settings.ts). */
import { describe, expect, test } from "bun:test";
import { parseArgs, UsageError } from "../../src/cli/args";
import { runDiscover } from "../../src/cli/discover";
import { resolveSettings } from "../../src/config/settings";

describe("parseArgs", () => {
  test("discover keeps its own flags for itself; the shared value flags still apply", () => {
    expect(parseArgs(["discover", "--region", "eu-frankfurt-1", "--config-dir", "/etc/o", "--write"])).toEqual({
      command: "discover",
      configDir: "/etc/o",
      rest: ["--region", "eu-frankfurt-1", "--write"],
    });
  });

  test("--online is check's: after discover it is discover's to refuse", () => {
    expect(parseArgs(["discover", "--online"]).rest).toEqual(["--online"]);
    expect(parseArgs(["check", "--online"]).online).toBe(true);
  });
});

describe("runDiscover's own arguments", () => {
  const settings = resolveSettings({ command: "discover" }, {}, "/nonexistent");
  const run = (rest: string[]) => runDiscover(settings, rest, { out: () => {}, err: () => {} });

  test.each([
    [["--online"], "discover: unknown argument '--online'"],
    [["--write=yes"], "discover: unknown argument '--write=yes'"],
    [["--region"], "--region needs a value"],
    [["--region", "--write"], "--region needs a value, got the flag '--write'"],
    [["--region", "Frankfurt"], "--region must be a region id such as us-chicago-1, got 'Frankfurt'"],
    [["--compartment=prod"], "--compartment must be a compartment or tenancy OCID (ocid1...), got 'prod'"],
  ])("%p is a usage error (exit 2 from main)", async (rest, message) => {
    const e = await run(rest).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(message);
  });
});

describe("OCI_AGENT_CONTROL_ENDPOINT", () => {
  test("a base URL for the agent control plane, trailing slashes removed", () => {
    const s = resolveSettings({ command: "discover" }, { OCI_AGENT_CONTROL_ENDPOINT: "http://127.0.0.1:9100//" }, "/");
    expect(s.endpoints.agentControl).toBe("http://127.0.0.1:9100");
    expect(resolveSettings({ command: "serve" }, {}, "/").endpoints.agentControl).toBeUndefined();
  });

  test("anything but an http(s) URL is refused, naming the variable", () => {
    expect(() => resolveSettings({ command: "discover" }, { OCI_AGENT_CONTROL_ENDPOINT: "agent.local" }, "/")).toThrow(
      "OCI_AGENT_CONTROL_ENDPOINT must be an http(s) URL, got 'agent.local'",
    );
  });
});
