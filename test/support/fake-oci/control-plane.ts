/**
 * The fake's control-plane listings: ListModels (`GET /20231130/models`) and ListAgentEndpoints
 * (`GET /20240531/agentEndpoints`), over a seeded, mutable catalog, paged like OCI with `limit`,
 * `page` and the `opc-next-page` header (docs/discovery.md#what-it-asks-oci).
 */
import { TEST_TENANCY } from "../keys";
import { ociError } from "./defaults";
import type { FakeAgentEndpoint, FakeControlPlane, FakeModelSummary, FakeReply } from "./types";

/** Largest page when the request sets no smaller `limit` (tests lower it to see several pages). */
export const DEFAULT_PAGE_SIZE = 100;
/** OCI's bound on `limit`. */
const MAX_LIMIT = 1000;

/** A compartment other than the tenancy, holding one agent endpoint of its own. */
export const OTHER_COMPARTMENT = "ocid1.compartment.oc1..aaaaothercompartment";

function model(
  slug: string,
  displayName: string,
  capabilities: string[],
  over: Partial<FakeModelSummary> = {},
): FakeModelSummary {
  return {
    id: `ocid1.generativeaimodel.oc1.us-chicago-1.amaaaaaa${slug}`,
    compartmentId: null,
    capabilities,
    lifecycleState: "ACTIVE",
    lifecycleDetails: "",
    displayName,
    vendor: displayName.split(".")[0]!,
    version: "1.0",
    timeCreated: "2025-01-15T00:00:00.000Z",
    type: "BASE",
    timeDeprecated: null,
    timeOnDemandRetired: null,
    timeDedicatedRetired: null,
    isLongTermSupported: false,
    baseModelId: null,
    fineTuneDetails: null,
    modelMetrics: null,
    freeformTags: {},
    definedTags: {},
    systemTags: {},
    ...over,
  };
}

/**
 * A region's catalog as discovery meets it: chat, embedding and rerank models, two versions of
 * one name, a deprecated model, one retired on demand, one with capabilities the gateway does not
 * serve, and a fine-tuned model of the tenancy.
 */
export function seedModels(): FakeModelSummary[] {
  return [
    model("llama33new", "meta.llama-3.3-70b-instruct", ["CHAT"], {
      version: "1.0.1",
      timeCreated: "2025-03-01T00:00:00.000Z",
    }),
    model("llama33old", "meta.llama-3.3-70b-instruct", ["CHAT"], {
      version: "1.0.0",
      timeCreated: "2024-12-01T00:00:00.000Z",
      timeDeprecated: "2025-04-01T00:00:00.000Z",
      timeOnDemandRetired: "2099-06-30T00:00:00.000Z",
    }),
    model("llama405", "meta.llama-3.1-405b-instruct", ["CHAT", "FINE_TUNE"]),
    model("commanda", "cohere.command-a-03-2025", ["CHAT"]),
    model("commandrplus", "cohere.command-r-plus-08-2024", ["CHAT"], {
      timeDeprecated: "2025-06-01T00:00:00.000Z",
      timeOnDemandRetired: "2099-01-31T00:00:00.000Z",
      timeDedicatedRetired: "2099-12-31T00:00:00.000Z",
    }),
    model("commandr16k", "cohere.command-r-16k", ["CHAT", "FINE_TUNE"], {
      timeCreated: "2024-06-01T00:00:00.000Z",
      timeDeprecated: "2024-09-01T00:00:00.000Z",
      timeOnDemandRetired: "2025-01-15T00:00:00.000Z",
    }),
    model("command", "cohere.command", ["TEXT_GENERATION", "TEXT_SUMMARIZATION"], {
      timeCreated: "2023-11-01T00:00:00.000Z",
    }),
    model("gpt5", "openai.gpt-5", ["CHAT"], { vendor: "openai" }),
    model("grok4", "xai.grok-4", ["CHAT"], { vendor: "xai" }),
    model("embedmulti", "cohere.embed-multilingual-v3.0", ["TEXT_EMBEDDINGS"]),
    model("embedv4", "cohere.embed-v4.0", ["TEXT_EMBEDDINGS"]),
    model("rerank35", "cohere.rerank-v3.5", ["TEXT_RERANK"]),
    model("custom1", "hr-tuned-llama", ["CHAT"], {
      compartmentId: TEST_TENANCY,
      type: "CUSTOM",
      vendor: "meta",
      baseModelId: "ocid1.generativeaimodel.oc1.us-chicago-1.amaaaaaallama405",
    }),
  ];
}

function endpoint(slug: string, displayName: string, over: Partial<FakeAgentEndpoint> = {}): FakeAgentEndpoint {
  return {
    id: `ocid1.genaiagentendpoint.oc1.us-chicago-1.amaaaaaa${slug}`,
    displayName,
    compartmentId: TEST_TENANCY,
    agentId: `ocid1.genaiagent.oc1.us-chicago-1.amaaaaaa${slug}`,
    lifecycleState: "ACTIVE",
    lifecycleDetails: "",
    timeCreated: "2025-05-01T00:00:00.000Z",
    timeUpdated: "2025-05-01T00:00:00.000Z",
    shouldEnableSession: true,
    shouldEnableTrace: false,
    shouldEnableCitation: true,
    freeformTags: {},
    definedTags: {},
    systemTags: {},
    ...over,
  };
}

/** Two active endpoints of the tenancy, a deleted one, and one in another compartment. */
export function seedAgentEndpoints(): FakeAgentEndpoint[] {
  return [
    endpoint("hrassistant", "HR Assistant", { description: "Answers questions on HR policies" }),
    endpoint("support", "support-bot"),
    endpoint("retired", "old-bot", { lifecycleState: "DELETED" }),
    endpoint("otherteam", "other-team-bot", { compartmentId: OTHER_COMPARTMENT }),
  ];
}

export function seedControlPlane(): FakeControlPlane {
  return { models: seedModels(), agentEndpoints: seedAgentEndpoints(), pageSize: DEFAULT_PAGE_SIZE };
}

/** ListModels: filters (`capability` repeats), sort, then one page. */
export function listModels(cp: FakeControlPlane, search: URLSearchParams): FakeReply {
  const compartmentId = search.get("compartmentId");
  if (!compartmentId) return ociError(400, "MissingParameter", "compartmentId is required");
  const capabilities = search.getAll("capability");
  const items = cp.models.filter(
    (m) =>
      (m.type === "BASE" || m.compartmentId === compartmentId) &&
      (capabilities.length === 0 || capabilities.some((c) => m.capabilities.includes(c))) &&
      matches(search, "lifecycleState", m.lifecycleState) &&
      matches(search, "vendor", m.vendor) &&
      matches(search, "displayName", m.displayName) &&
      matches(search, "id", m.id),
  );
  return page("models", items, search, cp.pageSize, ["timeCreated", "displayName", "lifecycleState"]);
}

/** ListAgentEndpoints: by compartment and/or agent; lifecycleState case-insensitive as OCI documents. */
export function listAgentEndpoints(cp: FakeControlPlane, search: URLSearchParams): FakeReply {
  const compartmentId = search.get("compartmentId");
  const agentId = search.get("agentId");
  if (!compartmentId && !agentId) return ociError(400, "MissingParameter", "compartmentId or agentId is required");
  const state = search.get("lifecycleState")?.toUpperCase();
  const items = cp.agentEndpoints.filter(
    (e) =>
      (!compartmentId || e.compartmentId === compartmentId) &&
      (!agentId || e.agentId === agentId) &&
      (!state || e.lifecycleState === state) &&
      matches(search, "displayName", e.displayName),
  );
  return page("agentEndpoints", items, search, cp.pageSize, ["timeCreated", "displayName"]);
}

function matches(search: URLSearchParams, key: string, value: string): boolean {
  const wanted = search.get(key);
  return wanted === null || wanted === value;
}

/** Sorts (default timeCreated newest first; displayName A→Z), then cuts the page `page` points at. */
function page(
  list: string,
  items: Array<{ id: string; [field: string]: unknown }>,
  search: URLSearchParams,
  pageSize: number,
  sortable: string[],
): FakeReply {
  const limitText = search.get("limit");
  const limit = limitText === null ? pageSize : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    return ociError(400, "InvalidParameter", `limit must be an integer from 1 to ${MAX_LIMIT}`);
  const sortBy = search.get("sortBy") ?? "timeCreated";
  if (!sortable.includes(sortBy))
    return ociError(400, "InvalidParameter", `sortBy must be one of ${sortable.join(", ")}`);
  const order = search.get("sortOrder") ?? (sortBy === "timeCreated" ? "DESC" : "ASC");
  if (order !== "ASC" && order !== "DESC") return ociError(400, "InvalidParameter", "sortOrder must be ASC or DESC");
  const sign = order === "ASC" ? 1 : -1;
  const sorted = [...items].sort(
    (a, b) => sign * String(a[sortBy]).localeCompare(String(b[sortBy])) || a.id.localeCompare(b.id),
  );
  let offset = 0;
  const token = search.get("page");
  if (token !== null) {
    const decoded = decodeToken(token, list);
    if (decoded === undefined) return ociError(400, "InvalidParameter", `Invalid page token '${token}'`);
    offset = decoded;
  }
  const size = Math.min(limit, pageSize);
  const next = offset + size < sorted.length ? encodeToken(list, offset + size) : undefined;
  return {
    json: { items: sorted.slice(offset, offset + size) },
    headers: next === undefined ? undefined : { "opc-next-page": next },
  };
}

/** Opaque to clients, URL-safe like OCI's own tokens; a token of one listing is refused by the other. */
function encodeToken(list: string, offset: number): string {
  return Buffer.from(`${list}:${offset}`).toString("base64url");
}

function decodeToken(token: string, list: string): number | undefined {
  const m = /^([a-zA-Z]+):(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return m && m[1] === list ? Number(m[2]) : undefined;
}
