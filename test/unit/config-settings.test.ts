/** Process settings: flags beat env beat defaults (CONTRACT §1; src/config/settings.ts). */
import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { type CliArgs, UsageError } from "../../src/cli/args";
import { resolveSettings } from "../../src/config/settings";

const CWD = "/srv/app";
const none: CliArgs = { command: "serve" };
const args = (a: Partial<CliArgs>): CliArgs => ({ command: "serve", ...a });

describe("resolveSettings: defaults", () => {
  test("with no flags and no env", () => {
    const s = resolveSettings(none, {}, CWD);
    expect(s.port).toBe(8000);
    expect(s.host).toBe("0.0.0.0");
    expect(s.configDir).toBe(CWD);
    expect(s.modelsPath).toBe(join(CWD, "llm_models.json"));
    expect(s.credentialsPath).toBe(join(CWD, "credentials.conf"));
    expect(s.profile).toBe("DEFAULT");
    expect(s.testModeRequested).toBeUndefined(); // credentials.conf's test_mode decides
    expect(s.apiKeys).toEqual([]);
    expect(s.logLevel).toBe("info");
    expect(s.corsOrigins).toBe("*");
    expect(s.ociAuth).toBe("api_key");
    expect(s.endpoints).toEqual({ inference: undefined, agent: undefined, objectStorage: undefined });
    expect(s.keepAliveMs).toBe(15_000);
  });
});

describe("resolveSettings: env beats defaults", () => {
  test("env values are used", () => {
    const s = resolveSettings(
      none,
      {
        PORT: "9100",
        HOST: "127.0.0.1",
        OCIGENAI_CONFIG_DIR: "/etc/ocigenai",
        OCI_CONFIG_PROFILE: "PROD",
        TEST_MODE: "true",
        LOG_LEVEL: "DEBUG",
        CORS_ORIGINS: "https://a.example, https://b.example",
        OCI_AUTH: "instance_principal",
        OCI_INFERENCE_ENDPOINT: "http://127.0.0.1:9100/",
        OCI_AGENT_ENDPOINT: "https://agent.example",
        OCI_OBJECT_STORAGE_ENDPOINT: "http://127.0.0.1:9200",
      },
      CWD,
    );
    expect(s.port).toBe(9100);
    expect(s.host).toBe("127.0.0.1");
    expect(s.configDir).toBe("/etc/ocigenai");
    expect(s.modelsPath).toBe("/etc/ocigenai/llm_models.json");
    expect(s.credentialsPath).toBe("/etc/ocigenai/credentials.conf");
    expect(s.profile).toBe("PROD");
    expect(s.testModeRequested).toBe(true);
    expect(s.logLevel).toBe("debug");
    expect(s.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
    expect(s.ociAuth).toBe("instance_principal");
    expect(s.endpoints).toEqual({
      inference: "http://127.0.0.1:9100",
      agent: "https://agent.example",
      objectStorage: "http://127.0.0.1:9200",
    });
  });

  test("LLM_CONFIG_PATH and OCI_CONFIG_FILE name other files", () => {
    const s = resolveSettings(none, { LLM_CONFIG_PATH: "/data/models.json", OCI_CONFIG_FILE: "/data/oci.conf" }, CWD);
    expect(s.modelsPath).toBe("/data/models.json");
    expect(s.credentialsPath).toBe("/data/oci.conf");
  });

  test("a relative config dir resolves against cwd", () => {
    expect(resolveSettings(none, { OCIGENAI_CONFIG_DIR: "conf" }, CWD).configDir).toBe("/srv/app/conf");
  });

  test.each(["false", "0", "no", "OFF"])("TEST_MODE=%p is off", (v) => {
    expect(resolveSettings(none, { TEST_MODE: v }, CWD).testModeRequested).toBe(false);
  });

  test("TEST_MODE blank says nothing (credentials.conf's test_mode decides)", () => {
    expect(resolveSettings(none, { TEST_MODE: " " }, CWD).testModeRequested).toBeUndefined();
  });

  test.each(["TEST_MODE", "METRICS_PUBLIC", "DOCS_PUBLIC", "STRICT_TOOLS", "LOG_BODIES"])(
    "%s=maybe stops start-up naming the variable, not silently false",
    (name) => {
      expect(() => resolveSettings(none, { [name]: "maybe" }, CWD)).toThrow(`${name} must be true or false`);
    },
  );

  test("GENAI_PAR_HOURS is hours, and a bad value is named as typed", () => {
    expect(resolveSettings(none, { GENAI_PAR_HOURS: "2" }, CWD).files.parTtlMs).toBe(2 * 3600 * 1000);
    expect(() => resolveSettings(none, { GENAI_PAR_HOURS: "abc" }, CWD)).toThrow(
      "GENAI_PAR_HOURS must be a positive number of hours, got 'abc'",
    );
  });

  test("CORS_ORIGINS containing * is the wildcard", () => {
    expect(resolveSettings(none, { CORS_ORIGINS: "https://a.example,*" }, CWD).corsOrigins).toBe("*");
  });
});

describe("resolveSettings: flags beat env", () => {
  test("every flag overrides its env counterpart", () => {
    const env = {
      PORT: "9100",
      HOST: "127.0.0.1",
      OCIGENAI_CONFIG_DIR: "/etc/env-dir",
      LLM_CONFIG_PATH: "/env/models.json",
      OCI_CONFIG_FILE: "/env/creds.conf",
      OCI_CONFIG_PROFILE: "ENV",
    };
    const s = resolveSettings(
      args({
        port: 7000,
        host: "::1",
        configDir: "/etc/flag-dir",
        models: "/flag/models.json",
        credentials: "/flag/creds.conf",
        profile: "FLAG",
      }),
      env,
      CWD,
    );
    expect(s.port).toBe(7000);
    expect(s.host).toBe("::1");
    expect(s.configDir).toBe("/etc/flag-dir");
    expect(s.modelsPath).toBe("/flag/models.json");
    expect(s.credentialsPath).toBe("/flag/creds.conf");
    expect(s.profile).toBe("FLAG");
  });

  test("--config-dir moves both default file names", () => {
    const s = resolveSettings(args({ configDir: "/etc/flag-dir" }), { OCIGENAI_CONFIG_DIR: "/etc/env-dir" }, CWD);
    expect(s.modelsPath).toBe("/etc/flag-dir/llm_models.json");
    expect(s.credentialsPath).toBe("/etc/flag-dir/credentials.conf");
  });

  test("--port 0 is a real value, not 'unset'", () => {
    expect(resolveSettings(args({ port: 0 }), { PORT: "9100" }, CWD).port).toBe(0);
  });

  test("--test-mode turns TEST_MODE on even when env says false", () => {
    expect(resolveSettings(args({ testMode: true }), { TEST_MODE: "false" }, CWD).testModeRequested).toBe(true);
  });

  test("an invalid PORT in env does not matter when --port is given", () => {
    expect(resolveSettings(args({ port: 7000 }), { PORT: "nope" }, CWD).port).toBe(7000);
  });
});

describe("resolveSettings: API keys", () => {
  test("API_KEY and the API_KEYS comma list are merged, trimmed and de-duplicated", () => {
    const s = resolveSettings(none, { API_KEY: "k1", API_KEYS: " k2 , k1,,k3 ,k2 " }, CWD);
    expect(s.apiKeys).toEqual(["k1", "k2", "k3"]);
  });

  test("API_KEYS alone", () => {
    expect(resolveSettings(none, { API_KEYS: "a,b" }, CWD).apiKeys).toEqual(["a", "b"]);
  });

  test("API_KEY alone", () => {
    expect(resolveSettings(none, { API_KEY: "solo" }, CWD).apiKeys).toEqual(["solo"]);
  });

  test("blank values give no keys", () => {
    expect(resolveSettings(none, { API_KEY: "  ", API_KEYS: " , ," }, CWD).apiKeys).toEqual([]);
  });
});

describe("resolveSettings: invalid env → UsageError naming the variable", () => {
  test.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["PORT", "-5"],
    ["PORT", "80.5"],
    ["LOG_LEVEL", "verbose"],
    ["OCI_AUTH", "password"],
    ["OCI_INFERENCE_ENDPOINT", "not a url"],
    ["OCI_AGENT_ENDPOINT", "ftp://host"],
    ["UPSTREAM_TIMEOUT_SECONDS", "0"],
    ["KEEPALIVE_SECONDS", "soon"],
  ])("%s=%p", (name, value) => {
    const run = () => resolveSettings(none, { [name]: value }, CWD);
    expect(run).toThrow(UsageError);
    expect(run).toThrow(name);
  });

  test("empty PORT falls back to the default", () => {
    expect(resolveSettings(none, { PORT: "" }, CWD).port).toBe(8000);
  });
});

describe("resolveSettings: workers", () => {
  test("one by default; WORKERS from the environment; --workers beats it; auto is the machine's cores", () => {
    expect(resolveSettings(none, {}, CWD).workers).toBe(1);
    expect(resolveSettings(none, { WORKERS: "3" }, CWD).workers).toBe(3);
    expect(resolveSettings(args({ workers: "2" }), { WORKERS: "3" }, CWD).workers).toBe(2);
    const cores = Math.max(1, availableParallelism());
    expect(resolveSettings(none, { WORKERS: "auto" }, CWD).workers).toBe(cores);
    expect(resolveSettings(args({ workers: "AUTO" }), {}, CWD).workers).toBe(cores);
  });

  test("a bad value is a usage error naming where it came from", () => {
    expect(() => resolveSettings(none, { WORKERS: "0" }, CWD)).toThrow(/WORKERS must be a whole number/);
    expect(() => resolveSettings(none, { WORKERS: "two" }, CWD)).toThrow(UsageError);
    expect(() => resolveSettings(args({ workers: "257" }), {}, CWD)).toThrow(/--workers must be/);
  });
});
