/** Command-line parsing (CONTRACT §1; src/cli/args.ts). */
import { describe, expect, test } from "bun:test";
import { parseArgs } from "../../src/cli/args";
import { parsePort, UsageError } from "../../src/config/flags";

describe("parseArgs", () => {
  test("no arguments means serve with nothing overridden", () => {
    expect(parseArgs([])).toEqual({ command: "serve" });
  });

  test("every value flag, space-separated", () => {
    expect(
      parseArgs([
        "serve",
        "--port",
        "9000",
        "--host",
        "127.0.0.1",
        "--config-dir",
        "/etc/ocigenai",
        "--models",
        "m.json",
        "--credentials",
        "c.conf",
        "--profile",
        "PROD",
        "--test-mode",
      ]),
    ).toEqual({
      command: "serve",
      port: 9000,
      host: "127.0.0.1",
      configDir: "/etc/ocigenai",
      models: "m.json",
      credentials: "c.conf",
      profile: "PROD",
      testMode: true,
    });
  });

  test("--flag=value form", () => {
    expect(parseArgs(["--port=8080", "--profile=DEV", "--models=a=b.json"])).toEqual({
      command: "serve",
      port: 8080,
      profile: "DEV",
      models: "a=b.json",
    });
  });

  test("check command with flags after it", () => {
    expect(parseArgs(["check", "--config-dir", "/x"])).toEqual({ command: "check", configDir: "/x" });
  });

  test.each([["--help"], ["-h"], ["help"]])("%s → help", (flag) => {
    expect(parseArgs([flag]).command).toBe("help");
  });

  test.each([["--version"], ["-v"], ["version"]])("%s → version", (flag) => {
    expect(parseArgs([flag]).command).toBe("version");
  });

  test("--help wins even after other flags", () => {
    expect(parseArgs(["--port", "1", "--help"]).command).toBe("help");
  });

  test.each([
    [["--bogus"], "--bogus"],
    [["serve", "check"], "check"],
    [["extra"], "extra"],
  ])("unknown argument %p → UsageError naming it", (argv, name) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(name);
  });

  test.each([[["--port"]], [["--host"]], [["--models="]], [["--profile", ""]]])(
    "missing value %p → UsageError",
    (argv) => {
      expect(() => parseArgs(argv)).toThrow(UsageError);
      expect(() => parseArgs(argv)).toThrow(argv[0]!.split("=")[0]!);
    },
  );

  test.each(["abc", "-1", "65536", "80.5", "1e3", " 80"])("--port %p → UsageError", (v) => {
    expect(() => parseArgs(["--port", v])).toThrow(UsageError);
    expect(() => parseArgs(["--port", v])).toThrow("--port");
  });

  test("--test-mode=false must not turn TEST_MODE on", () => {
    // A flag that takes no value either rejects an inline value or honours it; silently
    // enabling test mode (no OCI calls, fake answers) on "=false" is the dangerous choice.
    let parsed: ReturnType<typeof parseArgs> | undefined;
    try {
      parsed = parseArgs(["--test-mode=false"]);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return;
    }
    expect(parsed.testMode).not.toBe(true);
  });
});

describe("a value flag followed by another flag", () => {
  // `--host --port 0` used to take "--port" as the host and then call '0' an unknown argument.
  test.each([
    [["--host", "--port", "0"], "--host needs a value, got the flag '--port'"],
    [["--models", "--port", "9000"], "--models needs a value, got the flag '--port'"],
    [["--port"], "--port needs a value"],
  ])("%p names the flag that lacks its value", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(new UsageError(message));
  });
});

describe("parsePort", () => {
  test("accepts 0 and 65535", () => {
    expect(parsePort("0", "PORT")).toBe(0);
    expect(parsePort("65535", "PORT")).toBe(65535);
  });

  test("the error names the source", () => {
    expect(() => parsePort("x", "PORT")).toThrow(/PORT.*'x'/);
  });
});

describe("flags a command takes as its own", () => {
  test("keys new … --models is the key's allowlist (the rest), not the models file", () => {
    const a = parseArgs(["keys", "new", "team-m", "--models", "llama,grok*", "--rpm", "60", "--config-dir", "/etc/x"]);
    expect(a.models).toBeUndefined();
    expect(a.rest).toEqual(["new", "team-m", "--models", "llama,grok*", "--rpm", "60"]);
    expect(a.configDir).toBe("/etc/x");
    expect(parseArgs(["keys", "new", "t", "--models=llama"]).rest).toContain("--models=llama");
    expect(parseArgs(["serve", "--models", "m.json"]).models).toBe("m.json");
    expect(parseArgs(["check", "--models", "m.json"]).models).toBe("m.json");
  });
});
