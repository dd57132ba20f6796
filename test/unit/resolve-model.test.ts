/** Model target of an alias, with the OCID → name lookup cached (src/services/resolve-model.ts). */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { ModelAlias } from "../../src/config/types";
import type { Logger } from "../../src/observability/logger";
import type { ModelTarget } from "../../src/oci/model-target";
import { forgetLearnedModels, resolveModelTarget } from "../../src/oci/resolve-model-target";
import type { CallOptions, CallTarget, OciReply, OciTransport } from "../../src/oci/transport";
import { stubTransport } from "../support/stub-transport";

const MODEL_OCID = "ocid1.generativeaimodel.oc1.us-chicago-1.amaaaaaaexample";
const OTHER_OCID = "ocid1.generativeaimodel.oc1.us-chicago-1.amaaaaaaother";
const ENDPOINT_OCID = "ocid1.generativeaiendpoint.oc1.us-chicago-1.amaaaaaaendpoint";

const alias = (id: string, extra: Partial<ModelAlias> = {}): ModelAlias => ({
  alias: "a",
  id,
  type: "model",
  region: "us-chicago-1",
  compartmentId: "ocid1.compartment.oc1..c",
  params: {},
  ...extra,
});

/** In-memory transport: only getModel answers, from a per-test handler; every call is recorded. */
class StubTransport {
  calls: Array<{ target: CallTarget; modelId: string; opts: CallOptions }> = [];
  constructor(public handler: (modelId: string) => unknown) {}
  async getModel(target: CallTarget, modelId: string, opts: CallOptions): Promise<OciReply> {
    this.calls.push({ target, modelId, opts });
    return { body: await this.handler(modelId) };
  }
  /** The transport the code under test sees: only getModel is allowed. */
  get transport(): OciTransport {
    return stubTransport({ getModel: (target, modelId, o) => this.getModel(target, modelId, o) });
  }
}

const opts = (): CallOptions => ({ signal: new AbortController().signal, requestId: "req-1" });
const warnings: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
const log: Logger = { debug() {}, info() {}, warn: (msg, fields) => warnings.push({ msg, fields }), error() {} };

beforeEach(() => {
  forgetLearnedModels();
  warnings.length = 0;
});
afterEach(() => forgetLearnedModels());

describe("resolveModelTarget", () => {
  test("a plain model name makes no call", async () => {
    const t = new StubTransport(() => {
      throw new Error("no call expected");
    });
    expect(await resolveModelTarget(t.transport, alias("cohere.command-r-plus-08-2024"), opts())).toEqual({
      format: "COHERE",
      servingMode: { servingType: "ON_DEMAND", modelId: "cohere.command-r-plus-08-2024" },
      usesMaxCompletionTokens: false,
      modelName: "cohere.command-r-plus-08-2024",
      needsAssistantText: false,
      reasonsNever: false,
    });
    expect(t.calls).toHaveLength(0);
  });

  test("a dedicated endpoint OCID makes no call", async () => {
    const t = new StubTransport(() => ({ displayName: "cohere.command-r-08-2024", vendor: "cohere" }));
    const target = await resolveModelTarget(t.transport, alias(ENDPOINT_OCID), opts());
    expect(t.calls).toHaveLength(0);
    expect(target.servingMode).toEqual({ servingType: "DEDICATED", endpointId: ENDPOINT_OCID });
    expect(target.format).toBe("GENERIC");
  });

  test("a model OCID triggers one getModel call with the alias's region; the answer is cached across calls", async () => {
    const t = new StubTransport(() => ({
      id: MODEL_OCID,
      displayName: "cohere.command-r-plus-08-2024",
      vendor: "cohere",
    }));
    const o = opts();
    const expected: ModelTarget = {
      format: "COHERE",
      servingMode: { servingType: "ON_DEMAND", modelId: MODEL_OCID },
      usesMaxCompletionTokens: false,
      modelName: "cohere.command-r-plus-08-2024",
      needsAssistantText: false,
      reasonsNever: false,
    };
    expect(await resolveModelTarget(t.transport, alias(MODEL_OCID), o)).toEqual(expected);
    expect(t.calls).toEqual([{ target: { region: "us-chicago-1" }, modelId: MODEL_OCID, opts: o }]);
    expect(await resolveModelTarget(t.transport, alias(MODEL_OCID), opts())).toEqual(expected);
    // Another alias naming the same OCID uses the same cache entry.
    expect(await resolveModelTarget(t.transport, alias(MODEL_OCID, { alias: "b" }), opts())).toEqual(expected);
    expect(t.calls).toHaveLength(1);
  });

  test("different OCIDs are looked up separately", async () => {
    const names: Record<string, unknown> = {
      [MODEL_OCID]: { displayName: "cohere.command-r-08-2024", vendor: "cohere" },
      [OTHER_OCID]: { displayName: "meta.llama-3.3-70b-instruct", vendor: "meta" },
    };
    const t = new StubTransport((id) => names[id]);
    expect((await resolveModelTarget(t.transport, alias(MODEL_OCID), opts())).format).toBe("COHERE");
    const llama = await resolveModelTarget(t.transport, alias(OTHER_OCID), opts());
    expect([llama.format, llama.modelName, llama.needsAssistantText]).toEqual([
      "GENERIC",
      "meta.llama-3.3-70b-instruct",
      true,
    ]);
    expect(t.calls.map((c) => c.modelId)).toEqual([MODEL_OCID, OTHER_OCID]);
  });

  test("a cohere vendor with an unprefixed display name → vendor.name, COHERE", async () => {
    const t = new StubTransport(() => ({ displayName: "command-r-08-2024", vendor: "cohere" }));
    const target = await resolveModelTarget(t.transport, alias(MODEL_OCID), opts());
    expect(target.format).toBe("COHERE");
    expect(target.modelName).toBe("cohere.command-r-08-2024");
  });

  test("a Cohere vision display name → COHEREV2", async () => {
    const t = new StubTransport(() => ({ displayName: "cohere.command-a-vision-07-2025", vendor: "cohere" }));
    expect((await resolveModelTarget(t.transport, alias(MODEL_OCID), opts())).format).toBe("COHEREV2");
  });

  test("openai.gpt-5 display name → usesMaxCompletionTokens; gpt-oss does not", async () => {
    const t = new StubTransport((id) =>
      id === MODEL_OCID
        ? { displayName: "openai.gpt-5", vendor: "openai" }
        : { displayName: "openai.gpt-oss-120b", vendor: "openai" },
    );
    const gpt5 = await resolveModelTarget(t.transport, alias(MODEL_OCID), opts());
    expect(gpt5).toEqual({
      format: "GENERIC",
      servingMode: { servingType: "ON_DEMAND", modelId: MODEL_OCID },
      usesMaxCompletionTokens: true,
      modelName: "openai.gpt-5",
      needsAssistantText: false,
      reasonsNever: false,
    });
    expect((await resolveModelTarget(t.transport, alias(OTHER_OCID), opts())).usesMaxCompletionTokens).toBe(false);
  });

  test("a failed lookup → GENERIC with a warning, and the next call asks again (then caches)", async () => {
    let fail = true;
    const t = new StubTransport(() => {
      if (fail) throw new Error("NotAuthorizedOrNotFound");
      return { displayName: "cohere.command-r-08-2024", vendor: "cohere" };
    });
    expect(await resolveModelTarget(t.transport, alias(MODEL_OCID), opts(), log)).toEqual({
      format: "GENERIC",
      servingMode: { servingType: "ON_DEMAND", modelId: MODEL_OCID },
      usesMaxCompletionTokens: false,
      modelName: undefined,
      needsAssistantText: false,
      reasonsNever: false,
    });
    expect(t.calls).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ alias: "a", error: "NotAuthorizedOrNotFound" });

    expect((await resolveModelTarget(t.transport, alias(MODEL_OCID), opts(), log)).format).toBe("GENERIC");
    expect(t.calls).toHaveLength(2);

    fail = false;
    expect((await resolveModelTarget(t.transport, alias(MODEL_OCID), opts(), log)).format).toBe("COHERE");
    expect((await resolveModelTarget(t.transport, alias(MODEL_OCID), opts(), log)).format).toBe("COHERE");
    expect(t.calls).toHaveLength(3);
  });

  test("a reply without a display name is not cached", async () => {
    const t = new StubTransport(() => ({ vendor: "cohere" }));
    expect((await resolveModelTarget(t.transport, alias(MODEL_OCID), opts())).format).toBe("GENERIC");
    await resolveModelTarget(t.transport, alias(MODEL_OCID), opts());
    expect(t.calls).toHaveLength(2);
  });

  test("an explicit apiFormat is kept, but the name is still learned (for the token field)", async () => {
    const t = new StubTransport(() => ({ displayName: "openai.gpt-5", vendor: "openai" }));
    const target = await resolveModelTarget(t.transport, alias(MODEL_OCID, { apiFormat: "COHERE" }), opts());
    expect(target).toEqual({
      format: "COHERE",
      servingMode: { servingType: "ON_DEMAND", modelId: MODEL_OCID },
      usesMaxCompletionTokens: true,
      modelName: "openai.gpt-5",
      needsAssistantText: false,
      reasonsNever: false,
    });
    expect(t.calls).toHaveLength(1);
    // Cached for aliases without an explicit format too.
    expect((await resolveModelTarget(t.transport, alias(MODEL_OCID), opts())).modelName).toBe("openai.gpt-5");
    expect(t.calls).toHaveLength(1);
  });

  test("a lookup that fails because the client went away is rethrown, not downgraded", async () => {
    const ac = new AbortController();
    const t = new StubTransport(() => {
      ac.abort();
      throw new Error("aborted");
    });
    await expect(
      resolveModelTarget(t.transport, alias(MODEL_OCID), { signal: ac.signal, requestId: "r" }, log),
    ).rejects.toThrow("aborted");
    expect(warnings).toHaveLength(0);
  });

  test("forgetLearnedModels clears the cache", async () => {
    const t = new StubTransport(() => ({ displayName: "cohere.command-r-08-2024", vendor: "cohere" }));
    await resolveModelTarget(t.transport, alias(MODEL_OCID), opts());
    forgetLearnedModels();
    await resolveModelTarget(t.transport, alias(MODEL_OCID), opts());
    expect(t.calls).toHaveLength(2);
  });
});
