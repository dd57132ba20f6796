/** api_keys.json (src/config/api-keys.ts), the key ring, and the usage report's pure parts. */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { parseApiKeys } from "../../src/config/api-keys";
import { KeyRing } from "../../src/config/key-ring";
import { formatProblem } from "../../src/config/types";
import { duration, rateHeaders } from "../../src/quotas/quotas";
import { usageRange, usageReport, usageTable } from "../../src/quotas/usage-report";
import { apiError } from "../support/throws";

const sha = (k: string) => createHash("sha256").update(k).digest("hex");
const parse = (doc: unknown) =>
  parseApiKeys(typeof doc === "string" ? doc : JSON.stringify(doc, null, 2), "/x/api_keys.json");

describe("parseApiKeys", () => {
  test("a valid file: limits, globs, admin; _comments ignored; hashes lower-cased", () => {
    const { keys, problems } = parse({
      _comment: "teams",
      "team-a": {
        sha256: sha("a").toUpperCase(),
        models: ["llama", "grok*"],
        rpm: 60,
        tpm: 1000,
        daily_tokens: 5,
        max_concurrent: 2,
      },
      ops: { sha256: sha("o"), admin: true },
    });
    expect(problems).toEqual([]);
    expect(keys).toEqual([
      {
        name: "team-a",
        sha256: sha("a"),
        models: ["llama", "grok*"],
        rpm: 60,
        tpm: 1000,
        dailyTokens: 5,
        maxConcurrent: 2,
        admin: false,
      },
      { name: "ops", sha256: sha("o"), admin: true },
    ]);
  });

  test("every problem at once, each naming the key, the field and the line", () => {
    const { keys, problems } = parse({
      ok: { sha256: sha("ok") },
      "bad name!": { sha256: sha("x") },
      "env:x": { sha256: sha("y") },
      nohash: { rpm: 1 },
      short: { sha256: "abc" },
      limits: { sha256: sha("l"), rpm: 0, tpm: 1.5, daily_tokens: "10", max_concurrent: -1 },
      models: { sha256: sha("m"), models: ["llama", ""] },
      dup: { sha256: sha("ok") },
      extra: { sha256: sha("e"), admin: "yes", colour: "blue" },
      notobj: 5,
    });
    expect(keys.map((k) => k.name)).toEqual(["ok"]);
    const lines = problems.map(formatProblem);
    const expectProblem = (key: string, field: string | undefined, words: string) =>
      expect(
        lines.some(
          (l) => l.includes(`key '${key}'`) && (!field || l.includes(`field '${field}'`)) && l.includes(words),
        ),
      ).toBe(true);
    expectProblem("bad name!", undefined, "letters, digits");
    expectProblem("env:x", undefined, "API_KEY");
    expectProblem("nohash", "sha256", "required");
    expectProblem("short", "sha256", "64 hex");
    for (const f of ["rpm", "tpm", "daily_tokens", "max_concurrent"]) expectProblem("limits", f, "whole number");
    expect(parse({ big: { sha256: sha("b"), tpm: 1e12 } }).problems[0]!.message).toContain("from 1 to 100000000000");
    expectProblem("models", "models[1]", "non-empty");
    expectProblem("dup", "sha256", "the same key as 'ok'");
    expectProblem("extra", "admin", "true or false");
    expectProblem("extra", "colour", "unknown field");
    expectProblem("notobj", undefined, "object");
    // Positions point at the value in the file.
    const rpm = problems.find((p) => p.key === "limits" && p.field === "rpm")!;
    expect(rpm.position?.line).toBeGreaterThan(1);
    expect(lines.find((l) => l.includes("field 'rpm'"))).toMatch(/line \d+, column \d+/);
  });

  test("a key named twice is a problem at its second place, not the first entry silently replaced", () => {
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    const text = `{\n  "team": {"sha256": "${a}"},\n  "other": {"sha256": "${b}"},\n  "team": {"sha256": "${b.replace(/b/g, "c")}"}\n}`;
    const r = parseApiKeys(text, "/x/api_keys.json");
    expect(r.problems).toContainEqual(expect.objectContaining({ key: "team", position: { line: 4, column: 11 } }));
    expect(r.problems.map((p) => p.message).join("\n")).toContain("named twice");
    // Nested members of the same name are each entry's own business, not a repeat.
    const nested = parseApiKeys(
      `{"t1": {"sha256": "${a}", "rpm": 1}, "t2": {"sha256": "${b}", "rpm": 2}}`,
      "/x/k.json",
    );
    expect(nested.problems).toEqual([]);
  });

  test("not JSON, or not an object of keys", () => {
    const broken = parse('{"a": {"sha256": }');
    expect(broken.problems[0]!.message).toContain("not valid JSON");
    expect(broken.problems[0]!.position).toBeDefined();
    expect(parse([]).problems[0]!.message).toContain("object of key names");
  });
});

describe("KeyRing", () => {
  const team = parse({ "team-a": { sha256: sha("team-key"), models: ["llama", "grok*"] } }).keys;
  const ring = new KeyRing(["env-key", "team-key"], team);

  test("identifies keys by hash; env keys are named env:<id>; a key in both places is the team's", () => {
    expect(ring.identify("team-key")).toMatchObject({ name: "team-a", id: sha("team-key").slice(0, 12) });
    expect(ring.identify("env-key")).toMatchObject({ name: `env:${sha("env-key").slice(0, 12)}` });
    expect(ring.identify("nope")).toBeUndefined();
    expect(ring.size).toBe(2);
    expect(new KeyRing([], []).configured).toBe(false);
  });

  test("allowlists: names and globs; no list, every alias", () => {
    const t = ring.identify("team-key")!;
    expect(["llama", "grok", "grok-4", "gpt5", "llama2"].map((a) => t.mayUse(a))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(ring.identify("env-key")!.mayUse("anything")).toBe(true);
  });
});

describe("usage report and headers", () => {
  const now = Date.parse("2026-12-04T15:00:00Z");

  test("range defaults to the 30 days ending today; bad days and long ranges are 400s naming the field", () => {
    expect(usageRange({}, now)).toEqual({ from: "2026-11-05", to: "2026-12-04" });
    expect(usageRange({ from: "2026-12-01", to: "2026-12-02", key: "k" }, now)).toEqual({
      from: "2026-12-01",
      to: "2026-12-02",
      key: "k",
    });
    expect(apiError(() => usageRange({ from: "2026-02-30" }, now)).param).toBe("from");
    expect(apiError(() => usageRange({ to: "yesterday" }, now)).param).toBe("to");
    expect(apiError(() => usageRange({ from: "2026-12-05", to: "2026-12-04" }, now)).param).toBe("from");
    expect(apiError(() => usageRange({ from: "2024-01-01" }, now)).message).toContain("400 days");
  });

  test("report totals and the terminal table", () => {
    const r = usageReport(
      [
        { day: "2026-12-03", key: "a", alias: "llama", requests: 2, inputTokens: 10, outputTokens: 5 },
        { day: "2026-12-04", key: "b", alias: "grok", requests: 1, inputTokens: 7, outputTokens: 1 },
      ],
      { from: "2026-12-01", to: "2026-12-04" },
    );
    expect(r.totals).toEqual({ requests: 3, input_tokens: 17, output_tokens: 6 });
    const table = usageTable(r).split("\n");
    expect(table[0]).toBe("usage 2026-12-01 .. 2026-12-04");
    expect(table.at(-1)).toMatch(/^total\s+3\s+17\s+6$/);
  });

  test("durations and x-ratelimit headers in OpenAI's form", () => {
    expect([duration(850), duration(12_000), duration(60_000), duration(90_500)]).toEqual([
      "850ms",
      "12s",
      "1m0s",
      "1m31s",
    ]);
    expect(
      rateHeaders({
        allowed: true,
        requests: { limit: 60, remaining: 59, resetMs: 1000 },
        tokens: { limit: 1000, remaining: -5, resetMs: 30_000 },
      }),
    ).toEqual({
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-reset-requests": "1s",
      "x-ratelimit-limit-tokens": "1000",
      "x-ratelimit-remaining-tokens": "0",
      "x-ratelimit-reset-tokens": "30s",
    });
  });
});
