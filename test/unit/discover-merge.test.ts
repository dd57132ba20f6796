/** `discover --write`: what joins llm_models.json and how (src/cli/merge-into-models-file.ts). */
import { describe, expect, test } from "bun:test";
import type { DiscoveredEntry } from "../../src/cli/discovered-entries";
import { planMerge } from "../../src/cli/merge-into-models-file";

const FILE = "/etc/ocigenai/llm_models.json";
const REGION = "us-chicago-1";
const COMP = "ocid1.tenancy.oc1..aaaamerge";

function found(alias: string, id: string, kind: DiscoveredEntry["kind"] = "chat"): DiscoveredEntry {
  const entry: Record<string, unknown> =
    kind === "agent"
      ? { id, type: "agent", region: REGION, compartmentId: COMP }
      : { id, region: REGION, compartmentId: COMP };
  return { alias, kind, entry, deprecated: false };
}

const HAND_WRITTEN = `{
  "_comment": "ours; keep this line as it is",
  "llama": { "id": "meta.llama-3.3-70b-instruct", "compartmentId": "${COMP}" },
  "gpt5": {
    "id": "openai.gpt-5", "region": "${REGION}", "compartmentId": "${COMP}",
    "names": ["gpt-5*"]
  }
}
`;

function planned(existing: string | undefined, discovered: DiscoveredEntry[]) {
  const plan = planMerge(existing, FILE, REGION, discovered);
  if (!plan.ok) throw new Error(`unexpected: ${plan.problems.join("; ")}`);
  return plan;
}

describe("what joins the file", () => {
  test("new aliases are added; a model already served (region from the credentials) is skipped", () => {
    const plan = planned(HAND_WRITTEN, [
      found("llama-3.3-70b-instruct", "meta.llama-3.3-70b-instruct"),
      found("command-a", "cohere.command-a-03-2025"),
    ]);
    expect(plan.added.map((a) => a.alias)).toEqual(["command-a"]);
    expect(plan.skipped.map((s) => [s.entry.alias, s.why])).toEqual([
      ["llama-3.3-70b-instruct", "already served by alias 'llama'"],
    ]);
  });

  test("an alias name in use is never overwritten", () => {
    const plan = planned(HAND_WRITTEN, [found("llama", "meta.llama-4-maverick")]);
    expect(plan.added).toEqual([]);
    expect(plan.skipped[0]!.why).toBe("alias 'llama' exists for something else (left untouched)");
    expect(plan.text).toBeUndefined();
  });

  test("a name another alias claims in `names` (plain or pattern) is skipped: the file would not load", () => {
    const plan = planned(HAND_WRITTEN, [found("gpt-5", "openai.gpt-5-mini"), found("gpt-4o", "openai.gpt-4o")]);
    expect(plan.added.map((a) => a.alias)).toEqual(["gpt-4o"]);
    expect(plan.skipped[0]!.why).toBe("'gpt-5' is claimed by alias 'gpt5' (names: 'gpt-5*')");
  });
});

describe("the new text", () => {
  test("existing bytes are kept; the new aliases follow, indented like the others", () => {
    const plan = planned(HAND_WRITTEN, [
      found("command-a", "cohere.command-a-03-2025"),
      found("hr", "ocid1.genaiagentendpoint.oc1.x", "agent"),
    ]);
    const text = plan.text!;
    const cut = HAND_WRITTEN.lastIndexOf("}", HAND_WRITTEN.length - 3) + 1;
    expect(text.startsWith(HAND_WRITTEN.slice(0, cut))).toBe(true);
    expect(text.slice(cut)).toBe(
      `,
  "command-a": {
    "id": "cohere.command-a-03-2025",
    "region": "${REGION}",
    "compartmentId": "${COMP}"
  },
  "hr": {
    "id": "ocid1.genaiagentendpoint.oc1.x",
    "type": "agent",
    "region": "${REGION}",
    "compartmentId": "${COMP}"
  }
}
`,
    );
  });

  test('the {"models": {...}} form stays wrapped, other top-level keys kept', () => {
    const wrapped = `{\n    "_about": "wrapped form",\n    "models": {\n        "llama": {"id": "meta.llama-3.3-70b-instruct", "compartmentId": "${COMP}"}\n    }\n}\n`;
    const text = planned(wrapped, [found("grok-4", "xai.grok-4")]).text!;
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(["_about", "models"]);
    expect(Object.keys(doc.models)).toEqual(["llama", "grok-4"]);
    expect(text).toContain(
      `        "llama": {"id": "meta.llama-3.3-70b-instruct", "compartmentId": "${COMP}"},\n        "grok-4": {\n            "id": "xai.grok-4",`,
    );
  });

  test("a compact file is rewritten whole, still with every alias it had", () => {
    const compact = `{"llama":{"id":"meta.llama-3.3-70b-instruct","compartmentId":"${COMP}","params":{"temperature":0.5}}}`;
    const text = planned(compact, [found("grok-4", "xai.grok-4")]).text!;
    expect(JSON.parse(text)).toEqual({
      llama: { id: "meta.llama-3.3-70b-instruct", compartmentId: COMP, params: { temperature: 0.5 } },
      "grok-4": { id: "xai.grok-4", region: REGION, compartmentId: COMP },
    });
  });

  test("strings holding braces do not confuse the insertion", () => {
    const tricky = `{\n  "_comment": "a } and a { and \\" quote",\n  "llama": {"id": "meta.llama-3.3-70b-instruct", "compartmentId": "${COMP}", "description": "}}"}\n}\n`;
    const text = planned(tricky, [found("grok-4", "xai.grok-4")]).text!;
    expect(text.startsWith(tricky.slice(0, tricky.lastIndexOf("}", tricky.length - 3) + 1))).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual(["_comment", "llama", "grok-4"]);
  });

  test("no file yet: a new flat file of the discovered aliases", () => {
    const text = planned(undefined, [found("grok-4", "xai.grok-4")]).text!;
    expect(JSON.parse(text)).toEqual({ "grok-4": { id: "xai.grok-4", region: REGION, compartmentId: COMP } });
    expect(text.endsWith("}\n")).toBe(true);
  });
});

describe("refusals (nothing written)", () => {
  test("a file that is not JSON, or not an object, is unreadable", () => {
    const broken = planMerge('{\n  "llama": {\n', FILE, REGION, [found("grok-4", "xai.grok-4")]);
    expect(broken.ok).toBe(false);
    if (!broken.ok) {
      expect(broken.why).toBe("unreadable");
      expect(broken.problems[0]).toContain(FILE);
      expect(broken.problems[0]).toContain("line");
    }
    const list = planMerge("[]", FILE, REGION, [found("grok-4", "xai.grok-4")]);
    expect(list.ok || list.why).toBe("unreadable");
  });

  test("an entry that would make the file fail to load is refused with the loader's words", () => {
    const bad: DiscoveredEntry = { ...found("x", "meta.x"), entry: { id: "meta.x", region: REGION } };
    const plan = planMerge(HAND_WRITTEN, FILE, REGION, [bad]);
    expect(plan.ok).toBe(false);
    if (!plan.ok) {
      expect(plan.why).toBe("would-break");
      expect(plan.problems).toEqual([`${FILE}, alias 'x', field 'compartmentId': required for models`]);
    }
  });

  test("problems the file had already do not block an addition", () => {
    const tooHot = `{\n  "old": {"id": "meta.x", "compartmentId": "${COMP}", "params": {"temperature": 9}}\n}\n`;
    const plan = planned(tooHot, [found("grok-4", "xai.grok-4")]);
    expect(plan.added.length).toBe(1);
    expect(plan.text).toContain('"temperature": 9');
  });
});
