/** The control-plane listings' requests, paging and shape checks (src/oci/control-plane.ts). */
import { describe, expect, test } from "bun:test";
import { UpstreamError } from "../../src/errors/upstream-error";
import { agentEndpointsUrl, createControlPlane, modelsUrl } from "../../src/oci/control-plane";
import type { SignedHttp } from "../../src/oci/signed-http";

interface Page {
  body: unknown;
  next?: string;
}

/** A SignedHttp whose `raw` answers the given pages in turn and records the URLs asked for. */
function pagesHttp(pages: Page[]): { http: SignedHttp; urls: string[]; requestIds: string[] } {
  const urls: string[] = [];
  const requestIds: string[] = [];
  const http = {
    raw: async (_method: string, url: string, _req: unknown, opts: { requestId: string }) => {
      urls.push(url);
      requestIds.push(opts.requestId);
      const p = pages.shift();
      if (!p) throw new Error("no more pages scripted");
      const headers: Record<string, string> = { "content-type": "application/json", "opc-request-id": "OPC1" };
      if (p.next) headers["opc-next-page"] = p.next;
      return new Response(typeof p.body === "string" ? p.body : JSON.stringify(p.body), { headers });
    },
  } as unknown as SignedHttp;
  return { http, urls, requestIds };
}

const SCOPE = { region: "us-chicago-1", compartmentId: "ocid1.tenancy.oc1..aaaa" };
const OPTS = { signal: AbortSignal.timeout(5000), requestId: "req" };
const summary = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  displayName: `meta.${id}`,
  capabilities: ["CHAT"],
  lifecycleState: "ACTIVE",
  type: "BASE",
  timeCreated: "2025-01-01T00:00:00.000Z",
  timeDeprecated: null,
  ...over,
});

describe("where the listings go", () => {
  test("OCI's public hosts by default; the overrides replace the base URL only", () => {
    expect(modelsUrl("us-chicago-1", {})).toBe("https://generativeai.us-chicago-1.oci.oraclecloud.com/20231130/models");
    expect(agentEndpointsUrl("eu-frankfurt-1", {})).toBe(
      "https://agent.generativeai.eu-frankfurt-1.oci.oraclecloud.com/20240531/agentEndpoints",
    );
    const over = { genai: "http://127.0.0.1:9", agentControl: "http://10.0.0.5" };
    expect(modelsUrl("us-chicago-1", over)).toBe("http://127.0.0.1:9/20231130/models");
    expect(agentEndpointsUrl("us-chicago-1", over)).toBe("http://10.0.0.5/20240531/agentEndpoints");
  });
});

describe("paging", () => {
  test("follows opc-next-page until it is absent, one request id per page", async () => {
    const { http, urls, requestIds } = pagesHttp([
      { body: { items: [summary("a")] }, next: "tok+1/=" },
      { body: { items: [summary("b")] }, next: "tok2" },
      { body: { items: [] } },
    ]);
    const models = await createControlPlane(http, {}).listModels(SCOPE, OPTS);
    expect(models.map((m) => m.id)).toEqual(["a", "b"]);
    expect(urls.map((u) => new URL(u).searchParams.get("page"))).toEqual([null, "tok+1/=", "tok2"]);
    expect(urls[1]).toContain("page=tok%2B1%2F%3D");
    expect(new URL(urls[0]!).searchParams.get("compartmentId")).toBe(SCOPE.compartmentId);
    expect(new URL(urls[0]!).searchParams.get("limit")).toBe("100");
    expect(requestIds).toEqual(["req-1", "req-2", "req-3"]);
  });

  test("a page token sent twice is a broken listing, not an endless loop", async () => {
    const { http } = pagesHttp([
      { body: { items: [] }, next: "same" },
      { body: { items: [] }, next: "same" },
    ]);
    const e = await createControlPlane(http, {})
      .listAgentEndpoints(SCOPE, OPTS)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).failure).toBe("bad_response");
    expect((e as UpstreamError).message).toBe("ListAgentEndpoints sent the page token 'same' twice");
  });
});

describe("shape checks", () => {
  const failureOf = async (body: unknown) => {
    const { http } = pagesHttp([{ body }]);
    const e = await createControlPlane(http, {})
      .listModels(SCOPE, OPTS)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).failure).toBe("bad_response");
    return (e as UpstreamError).message;
  };

  test("an answer without items, or not JSON, is named", async () => {
    expect(await failureOf({ models: [] })).toBe("ListModels answered without an 'items' list");
    expect(await failureOf("<html>")).toBe("ListModels answered with something other than JSON: <html>");
  });

  test("an item missing what discovery relies on names the page, item and field", async () => {
    expect(await failureOf({ items: [summary("a"), "x"] })).toBe("ListModels page 1, items[1] is not an object");
    expect(await failureOf({ items: [summary("a", { capabilities: "CHAT" })] })).toBe(
      "ListModels page 1, items[0]: 'capabilities' is not a list of strings",
    );
    expect(await failureOf({ items: [summary("a", { type: undefined })] })).toBe(
      "ListModels page 1, items[0]: 'type' is not a string (BASE or CUSTOM)",
    );
    expect(await failureOf({ items: [summary("a", { timeDeprecated: "soon" })] })).toBe(
      "ListModels page 1, items[0]: 'timeDeprecated' is not a date: 'soon'",
    );
  });

  test("unknown fields are ignored; null dates and a missing display name are fine", async () => {
    const { http } = pagesHttp([{ body: { items: [summary("a", { displayName: null, brandNew: { x: 1 } })] } }]);
    const [m] = await createControlPlane(http, {}).listModels(SCOPE, OPTS);
    expect(m).toEqual({
      id: "a",
      name: "a",
      vendor: undefined,
      version: undefined,
      capabilities: ["CHAT"],
      lifecycleState: "ACTIVE",
      type: "BASE",
      timeCreated: "2025-01-01T00:00:00.000Z",
      timeDeprecated: undefined,
      timeOnDemandRetired: undefined,
      timeDedicatedRetired: undefined,
    });
  });
});
