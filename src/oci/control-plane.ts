import { UpstreamError } from "../errors/upstream-error";
import { serviceBaseUrl } from "./endpoints";
import { isRec, type Rec } from "./reply-shapes";
import type { SignedHttp } from "./signed-http";

/**
 * The two control-plane listings `ocigenai discover` needs (docs/discovery.md#what-it-asks-oci):
 * ListModels of the Generative AI service and ListAgentEndpoints of Generative AI Agents, each
 * followed through every `opc-next-page`. Answers are shape-checked here, so the CLI above only
 * sees the fields it uses and a shape we do not know is a typed `bad_response`, never a crash.
 */

/** One entry of ListModels, as far as discovery reads it. Dates stay ISO strings. */
export interface ModelSummary {
  /** The model's OCID. */
  id: string;
  /** `displayName`: the model name (`meta.llama-3.3-70b-instruct`), also a valid on-demand modelId. */
  name: string;
  vendor?: string;
  version?: string;
  /** `CHAT`, `TEXT_EMBEDDINGS`, `TEXT_RERANK`, … as OCI sends them. */
  capabilities: string[];
  /** `ACTIVE`, `CREATING`, `DELETING`, `DELETED`, `FAILED`. */
  lifecycleState: string;
  /** `BASE` (pretrained) or `CUSTOM` (fine-tuned: served only by a dedicated endpoint). */
  type: string;
  timeCreated?: string;
  timeDeprecated?: string;
  timeOnDemandRetired?: string;
  timeDedicatedRetired?: string;
}

/** One entry of ListAgentEndpoints. */
export interface AgentEndpointSummary {
  /** The endpoint's OCID (`ocid1.genaiagentendpoint…`), what an agent alias's `id` holds. */
  id: string;
  displayName?: string;
  description?: string;
  compartmentId?: string;
  agentId?: string;
  /** `ACTIVE`, `CREATING`, `UPDATING`, `DELETING`, `DELETED`, `FAILED`. */
  lifecycleState: string;
}

export interface ListScope {
  region: string;
  compartmentId: string;
}

export interface ListOptions {
  signal: AbortSignal;
  /** Sent as opc-request-id, with the page number appended, so OCI's logs show each page. */
  requestId: string;
}

export interface ControlPlane {
  listModels(scope: ListScope, opts: ListOptions): Promise<ModelSummary[]>;
  listAgentEndpoints(scope: ListScope, opts: ListOptions): Promise<AgentEndpointSummary[]>;
}

/** Base URL overrides, as in settings (`OCI_GENAI_ENDPOINT`, `OCI_AGENT_CONTROL_ENDPOINT`). */
export interface ControlPlaneEndpoints {
  genai?: string;
  agentControl?: string;
}

/** Items asked for per page; OCI may send fewer and says with `opc-next-page` that more follow. */
const PAGE_LIMIT = 100;
/** No tenancy has this many pages of models or endpoints: past it, paging is taken to be broken. */
const MAX_PAGES = 200;
/** A page of summaries is a few hundred kB at most; a larger answer is not one. */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;

export function modelsUrl(region: string, endpoints: ControlPlaneEndpoints): string {
  return `${serviceBaseUrl("genai", region, { global: endpoints.genai })}/models`;
}

export function agentEndpointsUrl(region: string, endpoints: ControlPlaneEndpoints): string {
  return `${serviceBaseUrl("agentControl", region, { global: endpoints.agentControl })}/agentEndpoints`;
}

export function createControlPlane(http: SignedHttp, endpoints: ControlPlaneEndpoints): ControlPlane {
  /** Every page of one listing, each item read as it comes; stops when OCI sends no next page. */
  async function listAll<T>(
    what: string,
    url: string,
    scope: ListScope,
    read: (item: Rec, at: string) => T,
    opts: ListOptions,
  ): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    let page: string | undefined;
    for (let n = 1; ; n++) {
      const query = new URLSearchParams({ compartmentId: scope.compartmentId, limit: String(PAGE_LIMIT) });
      if (page !== undefined) query.set("page", page);
      const res = await http.raw(
        "GET",
        `${url}?${query}`,
        {},
        { signal: opts.signal, requestId: `${opts.requestId}-${n}` },
      );
      const opcRequestId = res.headers.get("opc-request-id") ?? undefined;
      const body = await readJson(res, what, opcRequestId);
      const items = isRec(body) ? body.items : undefined;
      if (!Array.isArray(items))
        throw new UpstreamError("bad_response", `${what} answered without an 'items' list`, { opcRequestId });
      items.forEach((item, i) => {
        const at = `${what} page ${n}, items[${i}]`;
        if (!isRec(item)) throw new UpstreamError("bad_response", `${at} is not an object`, { opcRequestId });
        try {
          out.push(read(item, at));
        } catch (e) {
          // The readers know the item, not the exchange: add OCI's request id for a support case.
          throw e instanceof UpstreamError ? new UpstreamError(e.failure, e.message, { opcRequestId }) : e;
        }
      });
      const next = res.headers.get("opc-next-page");
      if (next === null || next === "") return out;
      if (seen.has(next))
        throw new UpstreamError("bad_response", `${what} sent the page token '${next}' twice`, { opcRequestId });
      if (n >= MAX_PAGES)
        throw new UpstreamError("bad_response", `${what} was still paging after ${MAX_PAGES} pages`, { opcRequestId });
      seen.add(next);
      page = next;
    }
  }

  return {
    listModels: (scope, opts) =>
      listAll("ListModels", modelsUrl(scope.region, endpoints), scope, readModelSummary, opts),
    listAgentEndpoints: (scope, opts) =>
      listAll("ListAgentEndpoints", agentEndpointsUrl(scope.region, endpoints), scope, readAgentEndpointSummary, opts),
  };
}

async function readJson(res: Response, what: string, opcRequestId: string | undefined): Promise<unknown> {
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > MAX_PAGE_BYTES) {
    await res.body?.cancel().catch(() => {});
    throw new UpstreamError("bad_response", `${what} answered ${declared} bytes for one page`, { opcRequestId });
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw new UpstreamError("network", `${what} answer cut off: ${(e as Error).message}`, { opcRequestId });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamError("bad_response", `${what} answered with something other than JSON: ${text.slice(0, 80)}`, {
      opcRequestId,
    });
  }
}

function readModelSummary(m: Rec, at: string): ModelSummary {
  const fail = (field: string, expected: string): never => {
    throw new UpstreamError("bad_response", `${at}: '${field}' is not ${expected}`);
  };
  if (typeof m.id !== "string" || m.id === "") fail("id", "a non-empty string");
  if (!Array.isArray(m.capabilities) || !m.capabilities.every((c) => typeof c === "string"))
    fail("capabilities", "a list of strings");
  if (typeof m.lifecycleState !== "string") fail("lifecycleState", "a string");
  if (typeof m.type !== "string") fail("type", "a string (BASE or CUSTOM)");
  const name = optionalString(m, "displayName", at) ?? (m.id as string);
  return {
    id: m.id as string,
    name,
    vendor: optionalString(m, "vendor", at),
    version: optionalString(m, "version", at),
    capabilities: m.capabilities as string[],
    lifecycleState: m.lifecycleState as string,
    type: m.type as string,
    timeCreated: optionalDate(m, "timeCreated", at),
    timeDeprecated: optionalDate(m, "timeDeprecated", at),
    timeOnDemandRetired: optionalDate(m, "timeOnDemandRetired", at),
    timeDedicatedRetired: optionalDate(m, "timeDedicatedRetired", at),
  };
}

function readAgentEndpointSummary(e: Rec, at: string): AgentEndpointSummary {
  if (typeof e.id !== "string" || e.id === "")
    throw new UpstreamError("bad_response", `${at}: 'id' is not a non-empty string`);
  if (typeof e.lifecycleState !== "string")
    throw new UpstreamError("bad_response", `${at}: 'lifecycleState' is not a string`);
  return {
    id: e.id,
    displayName: optionalString(e, "displayName", at),
    description: optionalString(e, "description", at),
    compartmentId: optionalString(e, "compartmentId", at),
    agentId: optionalString(e, "agentId", at),
    lifecycleState: e.lifecycleState,
  };
}

/** Absent and null both mean "not set", as OCI sends either. */
function optionalString(r: Rec, field: string, at: string): string | undefined {
  const v = r[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new UpstreamError("bad_response", `${at}: '${field}' is not a string`);
  return v;
}

function optionalDate(r: Rec, field: string, at: string): string | undefined {
  const v = optionalString(r, field, at);
  if (v !== undefined && Number.isNaN(Date.parse(v)))
    throw new UpstreamError("bad_response", `${at}: '${field}' is not a date: '${v}'`);
  return v;
}
