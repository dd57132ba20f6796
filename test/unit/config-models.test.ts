/** llm_models.json parsing and validation (CONTRACT §2; src/config/models.ts). */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALIAS_PATTERN, loadModels, parseModels } from "../../src/config/models";
import type { ConfigProblem } from "../../src/config/types";

const FILE = "/etc/ocigenai/llm_models.json";
const COMP = "ocid1.compartment.oc1..aaaa";

const parse = (obj: unknown, ...region: [string | undefined] | []) =>
  parseModels(JSON.stringify(obj), FILE, region.length === 0 ? "us-chicago-1" : region[0]);
const fieldsOf = (problems: ConfigProblem[]) => problems.map((p) => `${p.alias ?? ""}:${p.field ?? ""}`).sort();

describe("parseModels: the two file forms", () => {
  const gpt5 = {
    id: "openai.gpt-5",
    region: "us-chicago-1",
    compartmentId: COMP,
    type: "model",
    params: { max_completion_tokens: 2048, reasoning_effort: "MEDIUM" },
  };
  const agent = {
    id: "ocid1.genaiagentendpoint.oc1.us-chicago-1.aaaa",
    region: "us-chicago-1",
    compartmentId: COMP,
    type: "agent",
  };

  test("flat form: every top-level key is an alias", () => {
    const r = parse({ gpt5, "my-agent": agent });
    expect(r.problems).toEqual([]);
    expect([...r.aliases.keys()]).toEqual(["gpt5", "my-agent"]);
    expect(r.aliases.get("gpt5")).toEqual({
      alias: "gpt5",
      id: "openai.gpt-5",
      type: "model",
      region: "us-chicago-1",
      compartmentId: COMP,
      params: { max_completion_tokens: 2048, reasoning_effort: "medium" },
      apiFormat: undefined,
      endpoint: undefined,
      description: undefined,
    });
    expect(r.aliases.get("my-agent")!.type).toBe("agent");
    expect(r.aliases.get("my-agent")!.id).toBe(agent.id);
  });

  test('wrapped form {"models": {...}} gives the same aliases', () => {
    const flat = parse({ gpt5, "my-agent": agent });
    const wrapped = parse({ models: { gpt5, "my-agent": agent } });
    expect(wrapped.problems).toEqual([]);
    expect([...wrapped.aliases.entries()]).toEqual([...flat.aliases.entries()]);
    expect(wrapped.aliases.has("models")).toBe(false);
  });

  test("type defaults to model, optional fields are kept, endpoint trailing slash dropped", () => {
    const r = parse({
      a: {
        id: "meta.llama-3.3-70b-instruct",
        compartmentId: COMP,
        apiFormat: "GENERIC",
        endpoint: "https://private.example.com/",
        description: "llama",
      },
    });
    expect(r.problems).toEqual([]);
    const a = r.aliases.get("a")!;
    expect(a.type).toBe("model");
    expect(a.apiFormat).toBe("GENERIC");
    expect(a.endpoint).toBe("https://private.example.com");
    expect(a.description).toBe("llama");
    expect(a.params).toEqual({});
  });

  test("agent aliases do not need compartmentId", () => {
    const r = parse({ ag: { id: "ocid1.genaiagentendpoint.oc1..x", type: "agent" } });
    expect(r.problems).toEqual([]);
    expect(r.aliases.get("ag")!.compartmentId).toBeUndefined();
  });

  test("_comment keys are ignored at the top level, inside models and inside an alias", () => {
    const r = parse({
      _comment: "top-level note",
      models: undefined,
      m: { _comment: "alias note", id: "xai.grok-4", compartmentId: COMP },
    });
    expect(r.problems).toEqual([]);
    expect([...r.aliases.keys()]).toEqual(["m"]);
    const w = parse({ models: { _comment: "inner note", m: { id: "xai.grok-4", compartmentId: COMP } } });
    expect(w.problems).toEqual([]);
    expect([...w.aliases.keys()]).toEqual(["m"]);
  });
});

describe("parseModels: region", () => {
  test("defaults to the credentials' region", () => {
    const r = parse({ m: { id: "xai.grok-4", compartmentId: COMP } }, "eu-frankfurt-1");
    expect(r.aliases.get("m")!.region).toBe("eu-frankfurt-1");
  });

  test("an alias's own region wins over the default", () => {
    const r = parse({ m: { id: "xai.grok-4", compartmentId: COMP, region: "sa-saopaulo-1" } }, "eu-frankfurt-1");
    expect(r.aliases.get("m")!.region).toBe("sa-saopaulo-1");
  });

  test("no region anywhere is a problem naming alias and field", () => {
    const r = parse({ m: { id: "xai.grok-4", compartmentId: COMP } }, undefined);
    expect(r.aliases.size).toBe(0);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ file: FILE, alias: "m", field: "region" });
  });

  test("a malformed region is a problem", () => {
    const r = parse({ m: { id: "xai.grok-4", compartmentId: COMP, region: "US Chicago" } });
    expect(fieldsOf(r.problems)).toEqual(["m:region"]);
  });
});

describe("parseModels: every problem at once, located", () => {
  test("two broken aliases are both named, the good one still parses", () => {
    const r = parse({
      good: { id: "xai.grok-4", compartmentId: COMP },
      broken1: { compartmentId: COMP },
      broken2: { id: "xai.grok-4", compartmentId: "not-an-ocid" },
    });
    expect(fieldsOf(r.problems)).toEqual(["broken1:id", "broken2:compartmentId"]);
    for (const p of r.problems) expect(p.file).toBe(FILE);
    expect([...r.aliases.keys()]).toEqual(["good"]);
  });

  test("several problems in one alias are all reported", () => {
    const r = parse({
      bad: {
        id: "",
        type: "robot",
        compartmentId: 42,
        apiFormat: "OPENAI",
        endpoint: "ftp://x",
        description: 7,
        extra: true,
      },
    });
    expect(fieldsOf(r.problems)).toEqual(
      [
        "bad:id",
        "bad:type",
        "bad:compartmentId",
        "bad:apiFormat",
        "bad:endpoint",
        "bad:description",
        "bad:extra",
      ].sort(),
    );
    expect(r.aliases.size).toBe(0);
  });

  test("unknown fields are rejected by name", () => {
    const r = parse({ m: { id: "xai.grok-4", compartmentId: COMP, temprature: 0.5 } });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ alias: "m", field: "temprature" });
    expect(r.problems[0]!.message).toContain("unknown field");
    expect(r.aliases.size).toBe(0);
  });

  test("compartmentId is required for models", () => {
    const r = parse({ m: { id: "xai.grok-4" } });
    expect(fieldsOf(r.problems)).toEqual(["m:compartmentId"]);
  });

  test("an agent alias needs an OCID id", () => {
    const r = parse({ ag: { id: "my-agent-name", type: "agent" } });
    expect(fieldsOf(r.problems)).toEqual(["ag:id"]);
  });

  test("an alias that is not an object is a problem", () => {
    const r = parse({ m: "xai.grok-4" });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ alias: "m", field: undefined });
  });

  test("invalid JSON and non-object top level are reported against the file", () => {
    const a = parseModels("{ not json", FILE, "us-chicago-1");
    expect(a.problems).toHaveLength(1);
    expect(a.problems[0]!.file).toBe(FILE);
    expect(a.problems[0]!.message).toContain("invalid JSON");
    const b = parseModels("[1,2]", FILE, "us-chicago-1");
    expect(b.problems).toHaveLength(1);
    expect(b.problems[0]!.message).toContain("top level");
  });

  test("an empty file (no aliases) is a problem", () => {
    expect(parse({}).problems).toHaveLength(1);
    expect(parse({}).problems[0]!.message).toContain("no aliases");
    expect(parse({ models: {} }).problems).toHaveLength(1);
  });
});

describe("parseModels: params", () => {
  const withParams = (params: unknown) => parse({ m: { id: "xai.grok-4", compartmentId: COMP, params } });

  test("all supported params in range are accepted; enums are normalised to lower case", () => {
    const numbers = {
      temperature: 2,
      top_p: 0,
      top_k: -1,
      max_tokens: 1,
      max_completion_tokens: 4096,
      frequency_penalty: -2,
      presence_penalty: 2,
    };
    const r = withParams({ ...numbers, reasoning_effort: "HIGH", verbosity: "Low" });
    expect(r.problems).toEqual([]);
    expect(r.aliases.get("m")!.params).toEqual({ ...numbers, reasoning_effort: "high", verbosity: "low" });
  });

  test.each([
    ["temperature", 2.1],
    ["temperature", -0.1],
    ["top_p", 1.5],
    ["top_p", -0.01],
    ["top_k", -2],
    ["top_k", 1.5],
    ["max_tokens", 0],
    ["max_tokens", 10.5],
    ["max_completion_tokens", 0],
    ["frequency_penalty", 2.5],
    ["presence_penalty", -3],
    ["temperature", "0.5"],
    ["reasoning_effort", "extreme"],
    ["reasoning_effort", 3],
    ["verbosity", "loud"],
  ])("params.%s = %p is rejected", (key, value) => {
    const r = withParams({ [key]: value });
    expect(fieldsOf(r.problems)).toEqual([`m:params.${key}`]);
    expect(r.aliases.size).toBe(0);
  });

  test("an unsupported param is rejected and several bad params are all reported", () => {
    const r = withParams({ n: 2, temperature: 9, top_p: 3 });
    expect(fieldsOf(r.problems)).toEqual(["m:params.n", "m:params.temperature", "m:params.top_p"]);
  });

  test("params must be an object", () => {
    const r = withParams([1]);
    expect(fieldsOf(r.problems)).toEqual(["m:params"]);
  });
});

describe("alias name pattern", () => {
  test.each(["gpt5", "my-agent", "Llama_3.3:70b", "9lives", "a".repeat(128)])("accepts %p", (name) => {
    expect(ALIAS_PATTERN.test(name)).toBe(true);
    const r = parse({ [name]: { id: "xai.grok-4", compartmentId: COMP } });
    expect(r.problems).toEqual([]);
    expect(r.aliases.has(name)).toBe(true);
  });

  test.each(["-lead", ".dot", "has space", "slash/name", "quest?", "é", "a".repeat(129)])(
    "rejects %p naming the alias",
    (name) => {
      expect(ALIAS_PATTERN.test(name)).toBe(false);
      const r = parse({ [name]: { id: "xai.grok-4", compartmentId: COMP } });
      expect(r.aliases.size).toBe(0);
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]!.alias).toBe(name);
    },
  );
});

describe("loadModels (file on disk)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ocigenai-models-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("reads the file and reports the absolute path in problems", () => {
    const path = join(dir, "llm_models.json");
    writeFileSync(path, JSON.stringify({ ok: { id: "xai.grok-4", compartmentId: COMP }, bad: { id: "xai.grok-4" } }));
    const r = loadModels(path, "us-ashburn-1");
    expect(r.aliases.get("ok")!.region).toBe("us-ashburn-1");
    expect(r.problems).toEqual([expect.objectContaining({ file: path, alias: "bad", field: "compartmentId" })]);
  });

  test("a missing file is one problem: file not found", () => {
    const path = join(dir, "nope.json");
    const r = loadModels(path, "us-ashburn-1");
    expect(r.aliases.size).toBe(0);
    expect(r.problems).toEqual([{ file: path, message: "file not found" }]);
  });
});
