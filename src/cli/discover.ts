import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadCredentials } from "../config/credentials";
import { flagValue, UsageError } from "../config/flags";
import { isKnownRegion } from "../config/regions";
import type { Settings } from "../config/settings";
import { type Credentials, formatProblem } from "../config/types";
import { UpstreamError } from "../errors/upstream-error";
import { createSigner } from "../oci/auth";
import {
  agentEndpointsUrl,
  type ControlPlane,
  createControlPlane,
  type ListScope,
  modelsUrl,
} from "../oci/control-plane";
import { createSignedHttp } from "../oci/signed-http";
import { VERSION } from "../version";
import { type Discovery, discoverEntries } from "./discovered-entries";
import { planMerge } from "./merge-into-models-file";

/** Both listings together may take this long (every page, retries included). */
const DISCOVER_DEADLINE_MS = 120_000;

interface DiscoverArgs {
  region?: string;
  compartment?: string;
  write: boolean;
}

export interface DiscoverOutput {
  /** The result: the JSON entries, or with --write what was added and skipped. */
  out(line: string): void;
  /** What was asked, what was left out and why, warnings and errors. */
  err(line: string): void;
}

/**
 * `ocigenai discover [--region R] [--compartment C] [--write]` (docs/discovery.md): asks OCI's
 * control planes which models and agent endpoints the region offers and prints them as
 * llm_models.json entries, or merges them into the file in force. Exit 0 ok; 1 an OCI listing
 * failed (what the other listed is still printed and written) or the merged file would not
 * load; 2 usage or configuration (no credentials, TEST_MODE, no region or compartment).
 */
export async function runDiscover(
  settings: Settings,
  rest: string[],
  io: DiscoverOutput = { out: console.log, err: console.error },
): Promise<number> {
  const args = parseDiscoverArgs(rest);
  const setup = await setUp(settings, args);
  if (typeof setup === "string") {
    io.err(`ocigenai discover: ${setup}`);
    return 2;
  }
  const { control, credentials, scope } = setup;
  const { region, compartmentId } = scope;
  if (!isKnownRegion(region))
    io.err(`warning: '${region}' is not a known OCI region; using the oraclecloud.com domain for it`);
  io.err(`asking OCI in ${region}, compartment ${compartmentId}`);
  const signal = AbortSignal.timeout(DISCOVER_DEADLINE_MS);
  const requestId = `ocigenai-discover-${crypto.randomUUID()}`;
  const [models, agents] = await Promise.allSettled([
    control.listModels(scope, { signal, requestId: `${requestId}-models` }),
    control.listAgentEndpoints(scope, { signal, requestId: `${requestId}-agents` }),
  ]);
  let failed = 0;
  for (const [what, result, url] of [
    ["models", models, modelsUrl(region, settings.endpoints)],
    ["agent endpoints", agents, agentEndpointsUrl(region, settings.endpoints)],
  ] as const) {
    if (result.status === "rejected") {
      failed++;
      io.err(`error: ${describeListingFailure(what, result.reason, scope, url)}`);
    }
  }
  if (failed === 2) return 1;

  const discovery = discoverEntries({
    region,
    compartmentId,
    models: models.status === "fulfilled" ? models.value : [],
    agentEndpoints: agents.status === "fulfilled" ? agents.value : [],
    now: Date.now(),
  });
  report(discovery, {
    models: models.status === "fulfilled" ? models.value.length : undefined,
    agents: agents.status === "fulfilled" ? agents.value.length : undefined,
    err: io.err,
  });
  // The region aliases without one get when the gateway loads the file (as config/load.ts decides).
  const aliasRegion = credentials?.region ?? process.env.OCI_REGION ?? process.env.OCI_RESOURCE_PRINCIPAL_REGION;
  const code = args.write ? writeEntries(settings, aliasRegion, discovery, io) : printEntries(discovery, scope, io);
  return failed > 0 ? Math.max(code, 1) : code;
}

/**
 * The credentials, scope and signed control-plane client, or why there are none (a configuration
 * problem: exit 2 before any call). Region and compartment fall back as docs/discovery.md says.
 */
async function setUp(
  settings: Settings,
  args: DiscoverArgs,
): Promise<{ control: ControlPlane; scope: ListScope; credentials?: Credentials } | string> {
  const testMode = "discover asks OCI itself, and TEST_MODE makes no OCI calls";
  if (settings.testModeRequested) return `${testMode}: unset TEST_MODE / --test-mode`;
  let credentials: Credentials | undefined;
  if (existsSync(settings.credentialsPath) || settings.ociAuth === "api_key") {
    const r = loadCredentials(settings.credentialsPath, settings.profile);
    if (!r.credentials || r.problems.length > 0) {
      const problems = r.problems.map((p) => `  - ${formatProblem(p)}`).join("\n");
      return `cannot use the OCI credentials (--credentials, OCI_CONFIG_FILE, OCI_AUTH):\n${problems}`;
    }
    credentials = r.credentials;
  }
  if (credentials?.testMode) return `${testMode}: ${credentials.path} has test_mode=true`;
  if (settings.ociAuth === "api_key" && credentials && !credentials.securityTokenFile) {
    const missing = (["tenancy", "user", "fingerprint", "keyFile"] as const).filter((k) => !credentials[k]);
    if (missing.length > 0) {
      const names = missing.map((k) => (k === "keyFile" ? "key_file" : k)).join(", ");
      return `${credentials.path} [${credentials.profile}] lacks ${names} (run 'ocigenai check')`;
    }
  }
  const region =
    args.region ?? credentials?.region ?? process.env.OCI_REGION ?? process.env.OCI_RESOURCE_PRINCIPAL_REGION;
  if (!region) return "no region: give --region, or set region in credentials.conf (or OCI_REGION)";
  const compartmentId = args.compartment ?? credentials?.tenancy;
  if (!compartmentId) return "no compartment: give --compartment (credentials.conf names no tenancy)";
  try {
    const signer = await createSigner(settings.ociAuth, credentials);
    const http = createSignedHttp({ signer, upstreamTimeoutMs: 60_000, streamIdleMs: 60_000 });
    return { control: createControlPlane(http, settings.endpoints), scope: { region, compartmentId }, credentials };
  } catch (e) {
    return `cannot set up ${settings.ociAuth} authentication: ${(e as Error).message}`;
  }
}

function parseDiscoverArgs(rest: string[]): DiscoverArgs {
  const args: DiscoverArgs = { write: false };
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i]!.includes("=") ? rest[i]!.split(/=(.*)/s, 2) : [rest[i]!, undefined];
    if (flag === "--write" && inline === undefined) {
      args.write = true;
      continue;
    }
    if (flag !== "--region" && flag !== "--compartment")
      throw new UsageError(`discover: unknown argument '${rest[i]}'`);
    const value = flagValue(flag, inline ?? rest[++i]);
    if (flag === "--region") {
      if (!/^[a-z0-9-]+$/.test(value))
        throw new UsageError(`--region must be a region id such as us-chicago-1, got '${value}'`);
      args.region = value;
    } else {
      if (!value.startsWith("ocid1."))
        throw new UsageError(`--compartment must be a compartment or tenancy OCID (ocid1...), got '${value}'`);
      args.compartment = value;
    }
  }
  return args;
}

/** OCI's refusal in words that say what to fix; every message names the region and compartment. */
function describeListingFailure(what: string, e: unknown, scope: ListScope, url: string): string {
  const listing = `listing ${what} in region ${scope.region}, compartment ${scope.compartmentId}`;
  if (!(e instanceof UpstreamError)) return `${listing}: ${(e as Error).message ?? String(e)}`;
  const id = e.init.opcRequestId ? ` [opc-request-id ${e.init.opcRequestId}]` : "";
  const said = `${[e.init.status, e.init.code].filter(Boolean).join(" ")} (${e.message})`;
  const family = what === "models" ? "generative-ai-family" : "genai-agent-family";
  switch (e.failure) {
    case "http":
      if (e.init.status === 401)
        return `${listing}: OCI did not accept the request's signature, ${said}${id}. Check user, fingerprint and key_file in credentials.conf ('ocigenai check' verifies them) and this machine's clock.`;
      if (e.init.status === 404)
        return `${listing}: OCI answered ${said}${id}. The compartment does not exist in this tenancy, or no IAM policy lets this user read there (e.g. 'allow group <group> to read ${family} in compartment <name>').`;
      return `${listing}: OCI answered ${said}${id}.`;
    case "network":
      return `${listing}: cannot reach OCI at ${url}: ${e.message}${what === "agent endpoints" ? " (is the Generative AI Agents service offered in this region?)" : ""}`;
    case "timeout":
    case "idle":
      return `${listing}: no answer from OCI at ${url}: ${e.message}`;
    case "bad_response":
      return `${listing}: OCI's answer is not one this version understands: ${e.message}${id}`;
    default: {
      const never: never = e.failure;
      return `${listing}: ${String(never)}: ${e.message}`;
    }
  }
}

function report(d: Discovery, listed: { models?: number; agents?: number; err: (line: string) => void }): void {
  const count = (kind: string) => d.entries.filter((e) => e.kind === kind).length;
  const deprecated = d.entries.filter((e) => e.deprecated).length;
  if (listed.models !== undefined)
    listed.err(
      `models: ${listed.models} listed → ${count("chat")} chat, ${count("embedding")} embedding, ${count("rerank")} rerank` +
        (deprecated ? ` (${deprecated} deprecated, marked with _note)` : ""),
    );
  if (listed.agents !== undefined) listed.err(`agent endpoints: ${listed.agents} listed → ${count("agent")} active`);
  for (const l of d.leftOut) listed.err(`  left out ${l.what}: ${l.why}`);
}

/** A whole llm_models.json on stdout (flat form), so `discover > llm_models.json` is a valid file. */
function printEntries(d: Discovery, scope: ListScope, io: DiscoverOutput): number {
  const doc: Record<string, unknown> = {
    _comment: `ocigenai ${VERSION} discover, ${new Date().toISOString().slice(0, 10)}: region ${scope.region}, compartment ${scope.compartmentId}`,
  };
  for (const e of d.entries) doc[e.alias] = e.entry;
  io.out(JSON.stringify(doc, null, 2));
  io.err(
    d.entries.length > 0
      ? `${d.entries.length} entr${d.entries.length === 1 ? "y" : "ies"} printed; 'ocigenai discover --write' adds them to llm_models.json, keeping the aliases it has`
      : "nothing to print",
  );
  return 0;
}

function writeEntries(settings: Settings, defaultRegion: string | undefined, d: Discovery, io: DiscoverOutput): number {
  const path = settings.modelsPath;
  let existing: string | undefined;
  if (existsSync(path)) {
    try {
      existing = readFileSync(path, "utf8");
    } catch (e) {
      io.err(`ocigenai discover: cannot read ${path}: ${(e as Error).message}`);
      return 2;
    }
  }
  const plan = planMerge(existing, path, defaultRegion, d.entries);
  if (!plan.ok) {
    io.err(`ocigenai discover: ${path} cannot take the new entries; nothing written:`);
    for (const p of plan.problems) io.err(`  - ${p}`);
    return plan.why === "unreadable" ? 2 : 1;
  }
  for (const a of plan.added) io.out(`added    ${a.alias.padEnd(32)} ${a.kind.padEnd(9)} ${String(a.entry.id)}`);
  for (const s of plan.skipped) io.out(`skipped  ${s.entry.alias.padEnd(32)} ${s.entry.kind.padEnd(9)} ${s.why}`);
  if (plan.text === undefined) {
    io.out(`nothing new for ${path} (${plan.skipped.length} skipped)`);
    return 0;
  }
  // Written beside and renamed over, as an editor would: a running gateway never reads half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, plan.text, { mode: existing === undefined ? 0o644 : statSync(path).mode & 0o777 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    io.err(`ocigenai discover: cannot write ${path}: ${(e as Error).message}; nothing written`);
    return 1;
  }
  io.out(`wrote ${plan.added.length} new alias(es) to ${path} (${plan.skipped.length} skipped)`);
  return 0;
}
