/**
 * Extra model names per alias (docs/configuration.md#names): validation in llm_models.json,
 * resolution order, the per-config cache of pattern answers, and reloads
 * (src/config/models.ts, alias-lookup.ts, find-alias.ts, store.ts).
 */
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { AliasLookup, PATTERN_CACHE_SIZE } from "../../src/config/alias-lookup";
import { findAlias, requireModelAlias } from "../../src/config/find-alias";
import { parseModels } from "../../src/config/models";
import { formatProblem, type ModelAlias } from "../../src/config/types";
import { makeTestApp } from "../support/app";
import { testModels, writeModels } from "../support/gateway";
import { apiError } from "../support/throws";

const FILE = "/etc/ocigenai/llm_models.json";
const COMP = "ocid1.compartment.oc1..aaaa";
const AGENT = "ocid1.genaiagentendpoint.oc1.us-chicago-1.aaaa";
const model = (names?: unknown) => ({ id: "meta.llama-3.3-70b-instruct", compartmentId: COMP, names });

/** Pretty-printed, as operators write the file, so lines and columns mean something. */
const parse = (obj: unknown) => parseModels(JSON.stringify(obj, null, 2), FILE, "us-chicago-1");
const located = (obj: unknown) =>
  parse(obj).problems.map((p) => ({ alias: p.alias, field: p.field, position: p.position, message: p.message }));

describe("llm_models.json: names", () => {
  test("plain names and patterns load in file order, on models and agents", () => {
    const r = parse({
      sonnet: model(["claude-sonnet-*", "claude-3-7-sonnet-latest"]),
      helper: { id: AGENT, type: "agent", names: ["support-bot"] },
    });
    expect(r.problems).toEqual([]);
    expect(r.aliases.get("sonnet")!.names).toEqual(["claude-sonnet-*", "claude-3-7-sonnet-latest"]);
    expect(r.aliases.get("helper")!.names).toEqual(["support-bot"]);
  });

  test("absent or empty: the alias has no names", () => {
    const r = parse({ a: model(), b: model([]) });
    expect(r.problems).toEqual([]);
    expect("names" in r.aliases.get("a")!).toBe(false);
    expect("names" in r.aliases.get("b")!).toBe(false);
  });

  test("not a list: a problem on the field, with its line and column", () => {
    const text = `{\n  "a": {\n    "id": "xai.grok-4",\n    "compartmentId": "${COMP}",\n    "names": "gpt-4o*"\n  }\n}`;
    const { problems, aliases } = parseModels(text, FILE, "us-chicago-1");
    expect(aliases.size).toBe(0);
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0]!)).toBe(
      `${FILE}, alias 'a', field 'names', line 5, column 14: must be a list of model names (glob patterns with * and ? allowed)`,
    );
  });

  test("entries that are not strings, or empty, are each named with their place", () => {
    const text = [
      "{",
      '  "a": {',
      '    "id": "xai.grok-4",',
      `    "compartmentId": "${COMP}",`,
      '    "names": ["ok-name", 42,',
      '              "", null]',
      "  }",
      "}",
    ].join("\n");
    const { problems } = parseModels(text, FILE, "us-chicago-1");
    expect(problems.map((p) => [p.field, p.position])).toEqual([
      ["names[1]", { line: 5, column: 26 }],
      ["names[2]", { line: 6, column: 15 }],
      ["names[3]", { line: 6, column: 19 }],
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      "must be a non-empty string, got 42",
      'must be a non-empty string, got ""',
      "must be a non-empty string, got null",
    ]);
  });

  test('positions are found in the {"models": …} form too', () => {
    const r = parse({ models: { a: model(["fine", 7]) } });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.field).toBe("names[1]");
    // {, "models": {, "a": {, "id", "compartmentId", "names": [, "fine", 7
    expect(r.problems[0]!.position).toEqual({ line: 8, column: 9 });
  });

  test("a pattern matching any alias name, its own included, is a problem", () => {
    expect(located({ "gpt-4o": model(), mini: model(["gpt-4o*"]) })).toEqual([
      {
        alias: "mini",
        field: "names[0]",
        position: { line: 10, column: 7 },
        message: "pattern 'gpt-4o*' matches the alias name 'gpt-4o'; patterns may not match alias names",
      },
    ]);
    const own = located({ "claude-sonnet": model(["claude-*"]) });
    expect(own.map((p) => [p.field, p.message])).toEqual([
      ["names[0]", "pattern 'claude-*' matches the alias name 'claude-sonnet'; patterns may not match alias names"],
    ]);
    const several = located({ gpt5: model(), gpt4: model(), x: model(["gpt?"]) });
    expect(several[0]!.message).toContain("matches the alias names 'gpt5', 'gpt4'");
  });

  test("a plain name equal to an alias name, its own included, is a problem", () => {
    const r = located({ llama: model(["llama"]), grok: model(["llama", "grok-4"]) });
    expect(r.map((p) => [p.alias, p.field, p.message])).toEqual([
      ["llama", "names[0]", "'llama' is this alias's own name; extra names may not be alias names"],
      ["grok", "names[0]", "'llama' is the name of alias 'llama'; extra names may not be alias names"],
    ]);
  });

  test("a pattern matching only a comment key is fine: comments are not aliases", () => {
    expect(parse({ _comment: "x", a: model(["_*"]) }).problems).toEqual([]);
  });

  test("the same name twice in one alias is a problem naming both places", () => {
    const r = located({ a: model(["gpt-4o", "claude-*", "gpt-4o"]) });
    expect(r.map((p) => [p.field, p.message])).toEqual([["names[2]", "'gpt-4o' is listed twice (also names[0])"]]);
  });

  test("overlapping patterns and a plain name in two aliases are allowed (file order decides)", () => {
    const r = parse({
      sonnet: model(["claude-sonnet-*", "shared"]),
      claude: model(["claude-*", "shared"]),
    });
    expect(r.problems).toEqual([]);
    expect(r.aliases.size).toBe(2);
  });

  test("an alias with a names problem is not loaded; the others are", () => {
    const r = parse({ good: model(["x-*"]), bad: model([""]) });
    expect([...r.aliases.keys()]).toEqual(["good"]);
  });

  test("`names` is listed among the known fields", () => {
    const r = parse({ a: { ...model(), nmes: ["x"] } });
    expect(r.problems[0]!.message).toContain("names");
  });
});

function aliases(spec: Record<string, string[]>): Map<string, ModelAlias> {
  const m = new Map<string, ModelAlias>();
  for (const [alias, names] of Object.entries(spec))
    m.set(alias, { alias, id: `meta.${alias}`, type: "model", region: "us-chicago-1", params: {}, names });
  return m;
}
const resolved = (lookup: AliasLookup, name: string) => lookup.find(name)?.alias;

describe("AliasLookup: resolution order", () => {
  test("an exact alias beats a pattern that would match it", () => {
    // A valid file cannot hold this (such a pattern is refused); the order still must not depend on it.
    const lookup = new AliasLookup(aliases({ catchall: ["gpt-*"], "gpt-4o": [] }));
    expect(resolved(lookup, "gpt-4o")).toBe("gpt-4o");
    expect(resolved(lookup, "gpt-5")).toBe("catchall");
  });

  test("an exact extra name beats a pattern of an earlier alias", () => {
    const lookup = new AliasLookup(aliases({ broad: ["gpt-4o*"], mini: ["gpt-4o-mini"] }));
    expect(resolved(lookup, "gpt-4o-mini")).toBe("mini");
    expect(resolved(lookup, "gpt-4o-mini-2024")).toBe("broad");
  });

  test("between patterns, the first alias in file order wins", () => {
    const first = new AliasLookup(aliases({ sonnet: ["claude-sonnet-*"], claude: ["claude-*"] }));
    expect(resolved(first, "claude-sonnet-4-5-20250929")).toBe("sonnet");
    expect(resolved(first, "claude-opus-4-1")).toBe("claude");
    const swapped = new AliasLookup(aliases({ claude: ["claude-*"], sonnet: ["claude-sonnet-*"] }));
    expect(resolved(swapped, "claude-sonnet-4-5-20250929")).toBe("claude");
  });

  test("within one alias, any of its patterns", () => {
    const lookup = new AliasLookup(aliases({ codex: ["gpt-5*", "codex-?ini"] }));
    expect(resolved(lookup, "codex-mini")).toBe("codex");
    expect(resolved(lookup, "gpt-5-codex")).toBe("codex");
  });

  test("a plain name listed by two aliases belongs to the first", () => {
    const lookup = new AliasLookup(aliases({ a: ["shared"], b: ["shared"] }));
    expect(resolved(lookup, "shared")).toBe("a");
  });

  test("unknown names, case and partial matches resolve to nothing", () => {
    const lookup = new AliasLookup(aliases({ sonnet: ["claude-sonnet-*", "exact"] }));
    for (const name of ["Claude-sonnet-4", "claude-opus-4", "exac", "exact ", "xclaude-sonnet-4", ""])
      expect(lookup.find(name)).toBeUndefined();
  });
});

describe("AliasLookup: pattern answers are remembered, boundedly", () => {
  let spy: ReturnType<typeof spyOn> | undefined;
  afterEach(() => spy?.mockRestore());
  const regexCalls = (lookup: AliasLookup, name: string) => {
    spy?.mockRestore();
    spy = spyOn(RegExp.prototype, "test");
    lookup.find(name);
    const n = spy.mock.calls.length;
    spy.mockRestore();
    spy = undefined;
    return n;
  };

  test("a name seen again, matched or not, costs no regex", () => {
    const lookup = new AliasLookup(aliases({ a: ["x-*"], sonnet: ["claude-sonnet-*"] }));
    expect(regexCalls(lookup, "claude-sonnet-4-5")).toBe(2);
    expect(regexCalls(lookup, "claude-sonnet-4-5")).toBe(0);
    expect(regexCalls(lookup, "unknown-model")).toBe(2);
    expect(regexCalls(lookup, "unknown-model")).toBe(0);
    expect(resolved(lookup, "claude-sonnet-4-5")).toBe("sonnet");
    expect(lookup.find("unknown-model")).toBeUndefined();
  });

  test("aliases and plain names never touch a regex", () => {
    const lookup = new AliasLookup(aliases({ a: ["x-*", "plain"] }));
    expect(regexCalls(lookup, "a")).toBe(0);
    expect(regexCalls(lookup, "plain")).toBe(0);
  });

  test(`at most ${PATTERN_CACHE_SIZE} names are kept: the oldest is forgotten first`, () => {
    const lookup = new AliasLookup(aliases({ a: ["m-*"] }));
    lookup.find("m-first");
    for (let i = 0; i < PATTERN_CACHE_SIZE - 1; i++) lookup.find(`m-${i}`);
    expect(regexCalls(lookup, "m-first")).toBe(0);
    lookup.find("m-one-more");
    expect(regexCalls(lookup, "m-first")).toBe(1);
    expect(resolved(lookup, "m-first")).toBe("a");
  });

  test("very long names are matched but not kept", () => {
    const lookup = new AliasLookup(aliases({ a: ["m-*"] }));
    const long = `m-${"x".repeat(10_000)}`;
    expect(resolved(lookup, long)).toBe("a");
    expect(regexCalls(lookup, long)).toBe(1);
  });
});

describe("findAlias and requireModelAlias", () => {
  const config = makeTestApp({
    models: testModels({ sonnet: { ...model(["claude-sonnet-*", "sonnet-latest"]), region: "us-chicago-1" } }),
  }).store.current;

  test("an alias, a plain extra name and a pattern all give the alias itself", () => {
    expect(findAlias(config, "sonnet")).toBe(config.aliases.get("sonnet")!);
    expect(findAlias(config, "sonnet-latest")).toBe(config.aliases.get("sonnet")!);
    expect(requireModelAlias(config, "claude-sonnet-4-5-20250929")).toBe(config.aliases.get("sonnet")!);
  });

  test("unknown → 404 model_not_found naming what the client sent; none → 400", () => {
    const e = apiError(() => findAlias(config, "claude-opus-4-1"));
    expect([e.status, e.code, e.message]).toEqual([
      404,
      "model_not_found",
      "Model 'claude-opus-4-1' not found in llm_models.json",
    ]);
    expect(apiError(() => requireModelAlias(config, "")).status).toBe(400);
  });
});

describe("reloads", () => {
  test("a valid edit brings its own names; answers remembered under the old config do not carry over", () => {
    const t = makeTestApp({ models: testModels({ llama: model(["claude-*"]) }) });
    expect(findAlias(t.store.current, "claude-sonnet-4-5").alias).toBe("llama");
    writeModels(t.dir, testModels({ gpt5: { ...model(["claude-*"]), id: "openai.gpt-5" } }));
    expect(t.store.reload("test")).toBe(true);
    expect(findAlias(t.store.current, "claude-sonnet-4-5").alias).toBe("gpt5");
  });

  test("an edit whose pattern matches an alias name is rejected and the last good config stays", () => {
    const t = makeTestApp({ models: testModels({ sonnet: model(["claude-sonnet-*"]) }) });
    const before = t.store.current;
    writeModels(t.dir, testModels({ sonnet: model(["claude-sonnet-*", "llam?"]) }));
    expect(t.store.reload("test")).toBe(false);
    expect(t.store.current).toBe(before);
    expect(findAlias(t.store.current, "claude-sonnet-4-5").alias).toBe("sonnet");
    expect(findAlias(t.store.current, "llama").alias).toBe("llama");
    const rejected = t.logs.find((l) => l.includes("config reload rejected"));
    expect(rejected).toContain("alias 'sonnet', field 'names[1]'");
    expect(rejected).toContain("pattern 'llam?' matches the alias name 'llama'");
  });
});
