import { runModelChat } from "../chat/model-chat";
import type { LoadedConfig } from "../config/load";
import type { Settings } from "../config/settings";
import type { ModelAlias } from "../config/types";
import { toApiError } from "../errors/to-api-error";
import { createSigner } from "../oci/auth";
import { createHttpTransport } from "../oci/http-transport";
import { describeModel } from "../oci/model-target";
import type { OciTransport } from "../oci/transport";

interface Probe {
  what: string;
  run(t: OciTransport, opts: { signal: AbortSignal; requestId: string }): Promise<void>;
}

/**
 * `check --online`: one real, signed call per region and alias kind — a 1-token chat for models,
 * a session opened and closed for agents, a namespace read and a one-object listing for files —
 * so credentials, endpoints and IAM policies are proven before users find out.
 */
export async function runOnlineChecks(
  settings: Settings,
  config: LoadedConfig,
  out: (line: string) => void,
): Promise<number> {
  if (config.testMode) {
    // Asked for by the flag or TEST_MODE, nothing to check; left on by credentials.conf's seed line
    // (the shipped example has it), a production service would answer with simulations.
    if (settings.testModeRequested) {
      out("online: skipped (TEST_MODE makes no OCI calls)");
      return 0;
    }
    out(
      `online: FAILED: ${settings.credentialsPath} has test_mode=true, so nothing was checked and the server would answer offline; remove the line (or set TEST_MODE=false)`,
    );
    return 1;
  }
  let transport: OciTransport;
  try {
    transport = createHttpTransport({
      signer: await createSigner(settings.ociAuth, config.credentials),
      endpoints: settings.endpoints,
      upstreamTimeoutMs: 30_000,
      streamIdleMs: 30_000,
    });
  } catch (e) {
    out(`online: FAILED to set up ${settings.ociAuth} authentication: ${(e as Error).message}`);
    return 1;
  }
  const probes: Probe[] = [];
  const firstPer = (type: ModelAlias["type"]) => {
    const seen = new Map<string, ModelAlias>();
    for (const a of config.aliases.values()) if (a.type === type && !seen.has(a.region)) seen.set(a.region, a);
    return [...seen.values()];
  };
  for (const a of firstPer("model")) {
    const embed = /embed/.test(a.id);
    probes.push({
      what: `model  ${a.region.padEnd(16)} ${a.alias} (${embed ? "embedText" : "chat, 1 token"})`,
      run: async (t, opts) => {
        if (embed) {
          await t.embedText(
            { region: a.region, endpoint: a.endpoint },
            { inputs: ["ping"], servingMode: describeModel(a).servingMode, compartmentId: a.compartmentId! },
            opts,
          );
          return;
        }
        await runModelChat(t, {
          alias: a,
          request: { messages: [{ role: "user", content: "ping" }], max_tokens: 1 },
          ...opts,
        });
      },
    });
  }
  for (const a of firstPer("agent")) {
    probes.push({
      what: `agent  ${a.region.padEnd(16)} ${a.alias} (create + delete a session)`,
      run: async (t, opts) => {
        const where = { region: a.region, endpoint: a.endpoint };
        const s = await t.createSession(
          where,
          a.id,
          { displayName: "ocigenai check", description: "ocigenai check --online" },
          opts,
        );
        await t.deleteSession(where, a.id, String((s.body as { id?: unknown }).id), opts);
      },
    });
  }
  const bucket = settings.files.bucket;
  const region = config.credentials?.region;
  if (bucket && region) {
    probes.push({
      what: `files  ${region.padEnd(16)} bucket ${bucket} (namespace + list)`,
      run: async (t, opts) => {
        const namespace = await t.getNamespace(region, opts);
        await t.listObjects({ region, namespace, bucket }, { prefix: settings.files.prefix, limit: 1 }, opts);
      },
    });
  }
  let failed = 0;
  for (const p of probes) {
    const started = performance.now();
    try {
      await p.run(transport, {
        signal: AbortSignal.timeout(60_000),
        requestId: `ocigenai-check-${crypto.randomUUID()}`,
      });
      out(`  ok      ${p.what} ${Math.round(performance.now() - started)} ms`);
    } catch (e) {
      failed++;
      const api = toApiError(e);
      out(`  FAILED  ${p.what}: ${api.status === 500 ? (e as Error).message : `${api.status} ${api.message}`}`);
    }
  }
  out(
    failed ? `online: ${failed} of ${probes.length} check(s) failed` : `online: all ${probes.length} check(s) passed`,
  );
  return failed ? 1 : 0;
}
