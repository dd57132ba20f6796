/** What OCI's listings become in llm_models.json (src/cli/discovered-entries.ts; docs/discovery.md). */
import { describe, expect, test } from "bun:test";
import { discoverEntries } from "../../src/cli/discovered-entries";
import { parseModels } from "../../src/config/models";
import type { AgentEndpointSummary, ModelSummary } from "../../src/oci/control-plane";

const NOW = Date.parse("2026-01-01T00:00:00Z");
const REGION = "eu-frankfurt-1";
const COMP = "ocid1.compartment.oc1..aaaadiscover";

function model(name: string, capabilities: string[], over: Partial<ModelSummary> = {}): ModelSummary {
  return {
    id: `ocid1.generativeaimodel.oc1.eu-frankfurt-1.${name.replace(/\W/g, "")}`,
    name,
    vendor: name.split(".")[0],
    capabilities,
    lifecycleState: "ACTIVE",
    type: "BASE",
    timeCreated: "2025-01-01T00:00:00.000Z",
    ...over,
  };
}

function endpoint(id: string, over: Partial<AgentEndpointSummary> = {}): AgentEndpointSummary {
  return { id: `ocid1.genaiagentendpoint.oc1.eu-frankfurt-1.${id}`, lifecycleState: "ACTIVE", ...over };
}

const discover = (models: ModelSummary[], agentEndpoints: AgentEndpointSummary[] = []) =>
  discoverEntries({ region: REGION, compartmentId: COMP, models, agentEndpoints, now: NOW });

describe("models", () => {
  test("aliases drop the vendor prefix; entries carry the name, region and compartment", () => {
    const d = discover([
      model("meta.llama-3.3-70b-instruct", ["CHAT"]),
      model("cohere.embed-v4.0", ["TEXT_EMBEDDINGS"]),
      model("cohere.rerank-v3.5", ["TEXT_RERANK"]),
    ]);
    expect(d.entries.map((e) => [e.alias, e.kind])).toEqual([
      ["llama-3.3-70b-instruct", "chat"],
      ["embed-v4.0", "embedding"],
      ["rerank-v3.5", "rerank"],
    ]);
    expect(d.entries[0]!.entry).toEqual({ id: "meta.llama-3.3-70b-instruct", region: REGION, compartmentId: COMP });
    expect(d.leftOut).toEqual([]);
  });

  test("capability is written only where the name would say otherwise", () => {
    const d = discover([
      model("cohere.rerank-v3.5", ["TEXT_RERANK"]),
      model("acme.relevance-ranker", ["TEXT_RERANK"]),
      model("acme.vectors", ["TEXT_EMBEDDINGS"]),
      model("acme.embedder-chat", ["CHAT"]),
    ]);
    const byAlias = Object.fromEntries(d.entries.map((e) => [e.alias, e.entry.capability]));
    expect(byAlias).toEqual({
      "rerank-v3.5": undefined,
      "relevance-ranker": "rerank",
      vectors: "embedding",
      "embedder-chat": "chat",
    });
  });

  test("one alias per name: the newest version that is not deprecated", () => {
    const d = discover([
      model("meta.llama-4-scout", ["CHAT"], { id: "old", timeCreated: "2025-01-01T00:00:00Z" }),
      model("meta.llama-4-scout", ["CHAT"], { id: "newer", timeCreated: "2025-06-01T00:00:00Z" }),
      model("meta.llama-4-scout", ["CHAT"], {
        id: "newest-deprecated",
        timeCreated: "2025-09-01T00:00:00Z",
        timeDeprecated: "2025-10-01T00:00:00Z",
      }),
    ]);
    expect(d.entries.length).toBe(1);
    expect(d.entries[0]!.entry._note).toBeUndefined();
  });

  test("deprecated models are kept and marked with _note; future dates are announced too", () => {
    const d = discover([
      model("cohere.command-r-plus", ["CHAT"], {
        timeDeprecated: "2025-06-01T00:00:00.000Z",
        timeOnDemandRetired: "2026-03-31T00:00:00.000Z",
      }),
      model("xai.grok-3", ["CHAT"], { timeDeprecated: "2026-02-01T00:00:00.000Z" }),
    ]);
    const [plus, grok] = [
      d.entries.find((e) => e.alias === "command-r-plus")!,
      d.entries.find((e) => e.alias === "grok-3")!,
    ];
    expect(plus.deprecated).toBe(true);
    expect(plus.entry._note).toBe(
      "deprecated by OCI since 2025-06-01; on-demand retirement on 2026-03-31 (ocigenai discover)",
    );
    expect(grok.deprecated).toBe(false);
    expect(grok.entry._note).toBe("OCI deprecates it on 2026-02-01 (ocigenai discover)");
  });

  test("left out, with the reason: retired on demand, not active, fine-tuned, nothing served", () => {
    const d = discover([
      model("cohere.command-r-16k", ["CHAT"], { timeOnDemandRetired: "2025-01-15T00:00:00.000Z" }),
      model("meta.llama-5", ["CHAT"], { lifecycleState: "CREATING" }),
      model("my-tuned", ["CHAT"], { type: "CUSTOM" }),
      model("cohere.command", ["TEXT_GENERATION", "TEXT_SUMMARIZATION"]),
      model("acme.painter", ["TEXT_TO_IMAGE"]),
    ]);
    expect(d.entries).toEqual([]);
    expect(Object.fromEntries(d.leftOut.map((l) => [l.what, l.why]))).toEqual({
      "cohere.command-r-16k": "retired for on-demand use on 2025-01-15",
      "meta.llama-5": "lifecycle state CREATING",
      "my-tuned": "fine-tuned model: served only through a dedicated endpoint (give its endpoint OCID as the alias id)",
      "cohere.command":
        "capabilities TEXT_GENERATION, TEXT_SUMMARIZATION: nothing the gateway serves (it serves CHAT, TEXT_EMBEDDINGS, TEXT_RERANK)",
      "acme.painter":
        "capabilities TEXT_TO_IMAGE: nothing the gateway serves (it serves CHAT, TEXT_EMBEDDINGS, TEXT_RERANK)",
    });
  });

  test("a retired version does not hide a live one of the same name", () => {
    const d = discover([
      model("meta.llama-3.1-70b", ["CHAT"], { id: "a", timeOnDemandRetired: "2025-01-01T00:00:00Z" }),
      model("meta.llama-3.1-70b", ["CHAT"], { id: "b" }),
    ]);
    expect(d.entries.map((e) => e.alias)).toEqual(["llama-3.1-70b"]);
    expect(d.leftOut).toEqual([]);
  });

  test("colliding short names fall back to the full name; odd characters become '-'", () => {
    const d = discover([
      model("meta.llama-x", ["CHAT"]),
      model("other.llama-x", ["CHAT"]),
      model("llama3.1", ["CHAT"], { vendor: "meta" }),
      model("acme.My Model (beta)", ["CHAT"]),
    ]);
    expect(d.entries.map((e) => e.alias).sort()).toEqual(["My-Model-beta", "llama-x", "llama3.1", "other.llama-x"]);
  });
});

describe("agent endpoints", () => {
  test("active endpoints become type agent aliases named after their display name", () => {
    const d = discover(
      [],
      [
        endpoint("aaaahr", {
          displayName: "HR Assistant",
          description: "HR questions",
          compartmentId: "ocid1.compartment.oc1..own",
        }),
        endpoint("aaaanoname1234"),
        endpoint("aaaagone", { displayName: "gone", lifecycleState: "DELETED" }),
      ],
    );
    expect(d.entries.map((e) => [e.alias, e.kind])).toEqual([
      ["agent-name1234", "agent"],
      ["hr-assistant", "agent"],
    ]);
    expect(d.entries[1]!.entry).toEqual({
      id: "ocid1.genaiagentendpoint.oc1.eu-frankfurt-1.aaaahr",
      type: "agent",
      region: REGION,
      compartmentId: "ocid1.compartment.oc1..own",
      description: "HR questions",
    });
    expect(d.leftOut).toEqual([
      {
        what: "agent endpoint 'gone' (ocid1.genaiagentendpoint.oc1.eu-frankfurt-1.aaaagone)",
        why: "lifecycle state DELETED",
      },
    ]);
  });

  test("an agent named like a model gets a suffix", () => {
    const d = discover([model("meta.llama-x", ["CHAT"])], [endpoint("aaaa1", { displayName: "llama-x" })]);
    expect(d.entries.map((e) => e.alias)).toEqual(["llama-x", "llama-x-2"]);
  });
});

test("the entries, as a file, load without a problem", () => {
  const d = discover(
    [
      model("meta.llama-3.3-70b-instruct", ["CHAT"]),
      model("cohere.embed-v4.0", ["TEXT_EMBEDDINGS"]),
      model("acme.relevance-ranker", ["TEXT_RERANK"]),
      model("cohere.command-r-plus", ["CHAT"], { timeDeprecated: "2025-06-01T00:00:00.000Z" }),
    ],
    [endpoint("aaaahr", { displayName: "HR Assistant" })],
  );
  const file = JSON.stringify(Object.fromEntries(d.entries.map((e) => [e.alias, e.entry])));
  const loaded = parseModels(file, "llm_models.json", undefined);
  expect(loaded.problems).toEqual([]);
  expect(loaded.aliases.get("relevance-ranker")?.capability).toBe("rerank");
  expect(loaded.aliases.get("hr-assistant")?.type).toBe("agent");
});
