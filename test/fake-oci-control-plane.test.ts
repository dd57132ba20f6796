/**
 * The fake OCI's control-plane listings against OCI's own SDK clients: what GenerativeAiClient
 * .listModels and GenerativeAiAgentClient.listAgentEndpoints send (signed GETs, query strings,
 * page tokens) the fake accepts, and what it answers (items, opc-next-page) they parse.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOci, matchRoute, startFakeOci } from "./support/fake-oci";
import { OTHER_COMPARTMENT, seedAgentEndpoints, seedModels } from "./support/fake-oci/control-plane";
import { makeTestCredentials, TEST_TENANCY, type TestCredentials } from "./support/keys";
import { sdkFailure, sdkProvider } from "./support/oci-sdk";

// Read by every oci-common copy at module load: set before the SDK is imported.
process.env.OCI_SDK_DEFAULT_RETRY_ENABLED = "false";
process.env.OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED = "false";
const { GenerativeAiClient } = await import("oci-generativeai");
const { GenerativeAiAgentClient } = await import("oci-generativeaiagent");

let dir: string;
let creds: TestCredentials;
let fake: FakeOci;
let models: InstanceType<typeof GenerativeAiClient>;
let agents: InstanceType<typeof GenerativeAiAgentClient>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fake-oci-cp-"));
  creds = await makeTestCredentials(dir);
  fake = await startFakeOci({ keys: [creds] });
  const provider = await sdkProvider(creds);
  models = new GenerativeAiClient({ authenticationDetailsProvider: provider });
  models.endpoint = fake.url;
  agents = new GenerativeAiAgentClient({ authenticationDetailsProvider: provider });
  agents.endpoint = fake.url;
});

afterAll(async () => {
  models.close();
  agents.close();
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.clear();
  fake.controlPlane.models = seedModels();
  fake.controlPlane.agentEndpoints = seedAgentEndpoints();
  fake.controlPlane.pageSize = 100;
});

describe("routes", () => {
  test("GET /20231130/models and /20240531/agentEndpoints are the two listings", () => {
    expect(matchRoute("GET", "/20231130/models").op).toBe("listModels");
    expect(matchRoute("GET", "/20240531/agentEndpoints").op).toBe("listAgentEndpoints");
    expect(matchRoute("POST", "/20240531/agentEndpoints").op).toBe("notFound");
    expect(matchRoute("GET", "/20240531/agentEndpoints/ocid1.x/sessions/s").op).toBe("getSession");
  });
});

describe("ListModels through GenerativeAiClient", () => {
  test("every page followed through opcNextPage holds the whole catalog once, newest first", async () => {
    fake.controlPlane.pageSize = 4;
    const seen: string[] = [];
    const tokens: string[] = [];
    let page: string | undefined;
    do {
      const r = await models.listModels({ compartmentId: TEST_TENANCY, page });
      expect(r.modelCollection.items.length).toBeLessThanOrEqual(4);
      seen.push(...r.modelCollection.items.map((m) => m.id));
      page = r.opcNextPage;
      if (page) tokens.push(page);
    } while (page);
    const catalog = seedModels();
    expect(seen.length).toBe(catalog.length);
    const newestFirst = [...catalog].sort(
      (a, b) => b.timeCreated.localeCompare(a.timeCreated) || a.id.localeCompare(b.id),
    );
    expect(seen).toEqual(newestFirst.map((m) => m.id));
    expect(tokens.length).toBe(Math.ceil(catalog.length / 4) - 1);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
    const requests = fake.requestsFor("listModels");
    expect(requests.length).toBe(tokens.length + 1);
    expect(requests.every((r) => r.signatureOk && r.method === "GET")).toBe(true);
    expect(requests[1]!.path).toContain(`page=${tokens[0]}`);
    expect(requests[0]!.path).toContain(`compartmentId=${TEST_TENANCY}`);
  });

  test("a summary carries capabilities, type and the deprecation and retirement dates", async () => {
    const r = await models.listModels({ compartmentId: TEST_TENANCY, displayName: "cohere.command-r-plus-08-2024" });
    expect(r.modelCollection.items.length).toBe(1);
    const m = r.modelCollection.items[0]!;
    expect(m.capabilities).toEqual(["CHAT"] as typeof m.capabilities);
    expect(m.vendor).toBe("cohere");
    expect(m.type).toBe("BASE");
    expect(m.lifecycleState).toBe("ACTIVE");
    // The SDK types these as Date; at run time they stay the strings OCI sent.
    expect(String(m.timeDeprecated)).toBe("2025-06-01T00:00:00.000Z");
    expect(String(m.timeOnDemandRetired)).toBe("2099-01-31T00:00:00.000Z");
    expect(String(m.timeDedicatedRetired)).toBe("2099-12-31T00:00:00.000Z");
    expect(r.opcNextPage).toBeUndefined();
  });

  test("filters: repeated capability, vendor, sort by displayName", async () => {
    const byCapability = await models.listModels({
      compartmentId: TEST_TENANCY,
      capability: ["TEXT_EMBEDDINGS", "TEXT_RERANK"] as never,
      sortBy: "displayName" as never,
    });
    expect(byCapability.modelCollection.items.map((m) => m.displayName)).toEqual([
      "cohere.embed-multilingual-v3.0",
      "cohere.embed-v4.0",
      "cohere.rerank-v3.5",
    ]);
    const path = fake.requestsFor("listModels")[0]!.path;
    expect(path).toContain("capability=TEXT_EMBEDDINGS&capability=TEXT_RERANK");
    const meta = await models.listModels({ compartmentId: TEST_TENANCY, vendor: "meta" });
    expect(new Set(meta.modelCollection.items.map((m) => m.displayName))).toEqual(
      new Set(["meta.llama-3.3-70b-instruct", "meta.llama-3.1-405b-instruct", "hr-tuned-llama"]),
    );
  });

  test("fine-tuned models are listed in their own compartment only; pretrained ones everywhere", async () => {
    const elsewhere = await models.listModels({ compartmentId: OTHER_COMPARTMENT });
    expect(elsewhere.modelCollection.items.some((m) => m.type === "CUSTOM")).toBe(false);
    expect(elsewhere.modelCollection.items.length).toBe(seedModels().length - 1);
  });

  test("the catalog is mutable; a bad page token and a missing compartment are 400s", async () => {
    fake.controlPlane.models = [seedModels()[0]!];
    const one = await models.listModels({ compartmentId: TEST_TENANCY });
    expect(one.modelCollection.items.map((m) => m.displayName)).toEqual(["meta.llama-3.3-70b-instruct"]);
    const bad = (await sdkFailure(models.listModels({ compartmentId: TEST_TENANCY, page: "bm9wZQ" }))) as {
      statusCode: number;
      serviceCode: string;
    };
    expect([bad.statusCode, bad.serviceCode]).toEqual([400, "InvalidParameter"]);
    const res = await fetch(`${fake.url}/20231130/models`);
    expect(res.status).toBe(401); // unsigned
    fake.script("listModels", { error: { status: 404, code: "NotAuthorizedOrNotFound", message: "no" } });
    const missing = (await sdkFailure(models.listModels({ compartmentId: "ocid1.compartment.oc1..nope" }))) as {
      statusCode: number;
    };
    expect(missing.statusCode).toBe(404);
  });
});

describe("ListAgentEndpoints through GenerativeAiAgentClient", () => {
  test("the compartment's endpoints, page by page, deleted ones included until filtered", async () => {
    fake.controlPlane.pageSize = 1;
    const seen: string[] = [];
    let page: string | undefined;
    let pages = 0;
    do {
      const r = await agents.listAgentEndpoints({ compartmentId: TEST_TENANCY, page });
      seen.push(...r.agentEndpointCollection.items.map((e) => e.displayName!));
      page = r.opcNextPage;
      pages++;
    } while (page);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(["HR Assistant", "old-bot", "support-bot"]);
    expect(fake.requestsFor("listAgentEndpoints").every((r) => r.signatureOk)).toBe(true);
  });

  test("a summary has the endpoint OCID, agent, compartment and state; lifecycleState filters", async () => {
    const r = await agents.listAgentEndpoints({ compartmentId: TEST_TENANCY, lifecycleState: "active" });
    const items = r.agentEndpointCollection.items;
    expect(items.map((e) => e.lifecycleState)).toEqual(["ACTIVE", "ACTIVE"]);
    const hr = items.find((e) => e.displayName === "HR Assistant")!;
    expect(hr.id).toMatch(/^ocid1\.genaiagentendpoint\.oc1\.us-chicago-1\./);
    expect(hr.agentId).toMatch(/^ocid1\.genaiagent\./);
    expect(hr.compartmentId).toBe(TEST_TENANCY);
    expect(hr.description).toBe("Answers questions on HR policies");
    const other = await agents.listAgentEndpoints({ compartmentId: OTHER_COMPARTMENT });
    expect(other.agentEndpointCollection.items.map((e) => e.displayName)).toEqual(["other-team-bot"]);
  });

  test("endpoints added to the seeded list are listed; no compartment nor agent is a 400", async () => {
    fake.controlPlane.agentEndpoints.push({
      ...seedAgentEndpoints()[0]!,
      id: "ocid1.genaiagentendpoint.oc1.us-chicago-1.amaaaaaanew",
      displayName: "new-bot",
    });
    const r = await agents.listAgentEndpoints({ compartmentId: TEST_TENANCY, displayName: "new-bot" });
    expect(r.agentEndpointCollection.items.map((e) => e.id)).toEqual([
      "ocid1.genaiagentendpoint.oc1.us-chicago-1.amaaaaaanew",
    ]);
    const bad = (await sdkFailure(agents.listAgentEndpoints({}))) as { statusCode: number; serviceCode: string };
    expect([bad.statusCode, bad.serviceCode]).toEqual([400, "MissingParameter"]);
  });
});
