/** What an alias serves: `capability` in llm_models.json, or what the model name says. */
import { describe, expect, test } from "bun:test";
import { capabilityOf, GUARDRAILS_ID } from "../../src/config/capability";
import { parseModels } from "../../src/config/models";
import { formatProblem } from "../../src/config/types";

const at = { region: "us-chicago-1", compartmentId: "ocid1.compartment.oc1..aaaa" };
const parse = (models: Record<string, unknown>) => parseModels(JSON.stringify(models), "llm_models.json", undefined);

describe("capability", () => {
  test("inferred from the model name; set explicitly for OCIDs; agents chat", () => {
    const { aliases, problems } = parse({
      chat: { id: "meta.llama-3.3-70b-instruct", ...at },
      embed: { id: "cohere.embed-v4.0", ...at },
      rerank: { id: "cohere.rerank-v4.0-fast", ...at },
      ocid: { id: "ocid1.generativeaiendpoint.oc1.us-chicago-1.aaaa", ...at },
      ocidRerank: { id: "ocid1.generativeaiendpoint.oc1.us-chicago-1.bbbb", capability: "rerank", ...at },
      guard: { capability: "moderation", ...at },
      agent: { id: "ocid1.genaiagentendpoint.oc1..x", type: "agent", region: "us-chicago-1" },
    });
    expect(problems).toEqual([]);
    const of = (n: string) => capabilityOf(aliases.get(n)!);
    expect([of("chat"), of("embed"), of("rerank"), of("ocid"), of("ocidRerank"), of("guard"), of("agent")]).toEqual([
      "chat",
      "embedding",
      "rerank",
      "chat",
      "rerank",
      "moderation",
      "chat",
    ]);
    expect(aliases.get("guard")!.id).toBe(GUARDRAILS_ID);
  });

  test("an unknown capability, an agent that does not chat, a model without id: problems named", () => {
    const found = parse({
      a: { id: "meta.llama-3.3-70b-instruct", capability: "vision", ...at },
      b: { id: "ocid1.genaiagentendpoint.oc1..x", type: "agent", capability: "rerank", region: "us-chicago-1" },
      c: { capability: "rerank", ...at },
    }).problems.map(formatProblem);
    expect(found.some((p) => p.includes("alias 'a'") && p.includes("field 'capability'") && p.includes("vision"))).toBe(
      true,
    );
    expect(found.some((p) => p.includes("alias 'b'") && p.includes("agent chats"))).toBe(true);
    expect(found.some((p) => p.includes("alias 'c'") && p.includes("field 'id'"))).toBe(true);
  });

  test("pools: rerank members pool together; a moderation member or mixed kinds are refused", () => {
    const { aliases, problems } = parse({
      r1: { id: "cohere.rerank-v3.5", ...at },
      r2: { id: "cohere.rerank-v3.5", region: "eu-frankfurt-1", compartmentId: at.compartmentId },
      reranks: { type: "pool", members: ["r1", "r2"] },
      guard: { capability: "moderation", ...at },
      chat: { id: "meta.llama-3.3-70b-instruct", ...at },
      bad1: { type: "pool", members: ["guard"] },
      bad2: { type: "pool", members: ["r1", "chat"] },
    });
    expect(aliases.get("reranks")!.pool!.kind).toBe("rerank");
    const text = problems.map(formatProblem);
    expect(text.some((p) => p.includes("alias 'bad1'") && p.includes("moderation alias"))).toBe(true);
    expect(text.some((p) => p.includes("alias 'bad2'") && p.includes("'r1' reranks, 'chat' chats"))).toBe(true);
  });
});
