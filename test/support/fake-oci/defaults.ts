/**
 * Default (unscripted) behaviour of the inference and control-plane routes.
 * Every answer is deterministic except the SSE `pad` lengths, which are random on the real
 * service too (OCI-WIRE.md §3.1) and must be ignored by consumers.
 */
import { randomUUID } from "node:crypto";
import type { ErrorReply, FakeReply } from "./types";

export type Json = Record<string, unknown>;

export interface DefaultContext {
  /** Gap between events of default streams. */
  streamGapMs: number;
}

export function isRecord(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function asString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function ociError(status: number, code: string, message: string): ErrorReply {
  return { error: { status, code, message } };
}

/** Deterministic "token" count: whitespace-separated words. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Words with their leading whitespace, so the deltas concatenate back to the text. */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** The side-channel padding field every inference SSE payload carries (OCI-WIRE.md §3.1). */
export function pad(): string {
  return "a".repeat(1 + Math.floor(Math.random() * 16));
}

export function nowIso(): string {
  return new Date().toISOString();
}

function usage(promptTokens: number, completionTokens: number): Json {
  return { completionTokens, promptTokens, totalTokens: promptTokens + completionTokens };
}

/** Text of the TEXT parts of a GENERIC / COHEREV2 message, joined by spaces. */
function messageText(message: unknown): string {
  if (!isRecord(message)) return "";
  const content = message.content;
  if (typeof content === "string") return content;
  return asArray(content)
    .filter((part): part is Json => isRecord(part) && part.type === "TEXT")
    .map((part) => asString(part.text) ?? "")
    .join(" ");
}

function lastUserText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isRecord(m) && m.role === "USER") return messageText(m);
  }
  return "";
}

/** Validates the ChatDetails envelope; returns the model id to echo, or an error reply. */
function servedModel(body: unknown): { modelId: string; chatRequest: Json } | ErrorReply {
  if (!isRecord(body)) return ociError(400, "CannotParseRequest", "Request body is not a JSON object");
  if (typeof body.compartmentId !== "string" || !body.compartmentId) {
    return ociError(400, "MissingParameter", "compartmentId is required");
  }
  const sm = body.servingMode;
  const modelId = isRecord(sm) ? (asString(sm.modelId) ?? asString(sm.endpointId)) : undefined;
  if (!modelId) return ociError(400, "MissingParameter", "servingMode with modelId or endpointId is required");
  if (!isRecord(body.chatRequest)) return ociError(400, "MissingParameter", "chatRequest is required");
  return { modelId, chatRequest: body.chatRequest };
}

export function defaultChat(body: unknown, ctx: DefaultContext): FakeReply {
  const served = servedModel(body);
  if ("error" in served) return served;
  const { modelId, chatRequest } = served;
  switch (chatRequest.apiFormat) {
    case "GENERIC":
      return genericChat(modelId, chatRequest, ctx);
    case "COHERE":
      return cohereChat(modelId, chatRequest, ctx);
    case "COHEREV2":
      return cohereV2Chat(modelId, chatRequest);
    default:
      return ociError(400, "InvalidParameter", `Unsupported chatRequest.apiFormat ${String(chatRequest.apiFormat)}`);
  }
}

function includeUsage(chatRequest: Json): boolean {
  return isRecord(chatRequest.streamOptions) && chatRequest.streamOptions.isIncludeUsage === true;
}

/** GENERIC: §2.3 (non-stream) and §3.2 (stream). */
function genericChat(modelId: string, req: Json, ctx: DefaultContext): FakeReply {
  const messages = asArray(req.messages);
  const text = `Echo: ${lastUserText(messages)}`;
  const promptTokens = messages.reduce<number>((n, m) => n + wordCount(messageText(m)), 0);
  // One choice per generation asked for; usage counts the tokens of all of them.
  const n = typeof req.numGenerations === "number" && req.numGenerations > 1 ? req.numGenerations : 1;
  const choices = Array.from({ length: n }, (_, index) => index);
  const u = usage(promptTokens, wordCount(text) * n);

  if (req.isStream === true) {
    const delta = (index: number, t: string): Json => ({
      index,
      message: { role: "ASSISTANT", content: [{ type: "TEXT", text: t }] },
      pad: pad(),
    });
    // Generations sampled side by side: their deltas interleave.
    const events: Json[] = [
      ...choices.map((i) => delta(i, "")),
      ...splitWords(text).flatMap((w) => choices.map((i) => delta(i, w))),
    ];
    // The finish event has no `index` on the real service; with several choices, one each, in order.
    if (n === 1)
      events.push({
        message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "" }] },
        finishReason: "stop",
        pad: pad(),
      });
    else for (const _ of choices) events.push({ finishReason: "stop", pad: pad() });
    if (includeUsage(req)) events.push({ usage: u, pad: pad() });
    return { sse: events, done: true, gapMs: ctx.streamGapMs };
  }

  return {
    json: {
      modelId,
      modelVersion: "1.0.0",
      chatResponse: {
        apiFormat: "GENERIC",
        timeCreated: nowIso(),
        choices: choices.map((index) => ({
          index,
          message: { role: "ASSISTANT", content: [{ type: "TEXT", text }], toolCalls: [] },
          finishReason: "stop",
          logprobs: {},
        })),
        usage: u,
      },
    },
  };
}

/** COHERE v1: §2.5 (non-stream) and §3.3 (stream: deltas, then a final event repeating the full text, no [DONE]). */
function cohereChat(modelId: string, req: Json, ctx: DefaultContext): FakeReply {
  const message = asString(req.message) ?? "";
  const history = asArray(req.chatHistory);
  const text = `Echo: ${message}`;
  const promptTokens =
    wordCount(asString(req.preambleOverride) ?? "") +
    history.reduce<number>((n, h) => n + (isRecord(h) ? wordCount(asString(h.message) ?? "") : 0), 0) +
    wordCount(message);
  const u = usage(promptTokens, wordCount(text));
  const chatHistory = [...history, { role: "USER", message }, { role: "CHATBOT", message: text }];

  if (req.isStream === true) {
    const events: Json[] = splitWords(text).map((w) => ({ apiFormat: "COHERE", text: w, pad: pad() }));
    events.push({ apiFormat: "COHERE", text, chatHistory, finishReason: "COMPLETE", pad: pad(), usage: u });
    return { sse: events, gapMs: ctx.streamGapMs };
  }
  return {
    json: {
      modelId,
      modelVersion: "1.0",
      chatResponse: { apiFormat: "COHERE", text, chatHistory, finishReason: "COMPLETE", usage: u },
    },
  };
}

/** COHEREV2 (§2.6): non-stream only, since its stream format is not specified. */
function cohereV2Chat(modelId: string, req: Json): FakeReply {
  if (req.isStream === true) {
    return ociError(400, "InvalidParameter", "fake OCI: COHEREV2 streaming is not modelled; script it");
  }
  const messages = asArray(req.messages);
  const text = `Echo: ${lastUserText(messages)}`;
  const promptTokens = messages.reduce<number>((n, m) => n + wordCount(messageText(m)), 0);
  return {
    json: {
      modelId,
      modelVersion: "1.0",
      chatResponse: {
        apiFormat: "COHEREV2",
        id: randomUUID(),
        message: { role: "ASSISTANT", content: [{ type: "TEXT", text }] },
        finishReason: "COMPLETE",
        usage: usage(promptTokens, wordCount(text)),
      },
    },
  };
}

/** embed-v4.0 → 1536 (or outputDimensions), *-light-v3.0 → 384, other *-v3.0 → 1024 (§4.1). */
export function embeddingDimension(modelId: string, outputDimensions?: number): number {
  const m = modelId.toLowerCase();
  if (m.includes("v4")) return outputDimensions ?? 1536;
  if (m.includes("v3.0")) return m.includes("light") ? 384 : 1024;
  return outputDimensions ?? 1024;
}

/** FNV-1a, to seed a per-input PRNG: the same text always embeds to the same vector. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Unit-length deterministic vector (mulberry32 PRNG), rounded to keep bodies small. */
export function deterministicEmbedding(text: string, dimension: number): number[] {
  let state = hash32(text);
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const raw = Array.from({ length: dimension }, () => next() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((s, x) => s + x * x, 0)) || 1;
  return raw.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

export function defaultEmbed(body: unknown): FakeReply {
  if (!isRecord(body)) return ociError(400, "CannotParseRequest", "Request body is not a JSON object");
  const sm = body.servingMode;
  const modelId = isRecord(sm) ? (asString(sm.modelId) ?? asString(sm.endpointId)) : undefined;
  if (!modelId) return ociError(400, "MissingParameter", "servingMode with modelId or endpointId is required");
  let texts: string[];
  if (Array.isArray(body.inputs)) {
    texts = body.inputs.map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
  } else if (Array.isArray(body.embedContents)) {
    // v4 multimodal inputs: seed images by their URL.
    texts = body.embedContents.map((c) =>
      isRecord(c) ? (asString(c.text) ?? (isRecord(c.imageUrl) ? asString(c.imageUrl.url) : undefined) ?? "") : "",
    );
  } else {
    return ociError(400, "MissingParameter", "inputs is required");
  }
  const outputDimensions = typeof body.outputDimensions === "number" ? body.outputDimensions : undefined;
  const dimension = embeddingDimension(modelId, outputDimensions);
  const promptTokens = texts.reduce((n, t) => n + wordCount(t), 0);
  const lower = modelId.toLowerCase();
  return {
    json: {
      id: randomUUID(),
      embeddings: texts.map((t) => deterministicEmbedding(t, dimension)),
      modelId,
      modelVersion: lower.includes("v4") ? "4.0" : lower.includes("v3") ? "3.0" : "1.0",
      usage: { completionTokens: 0, promptTokens, totalTokens: promptTokens },
    },
  };
}

function capabilitiesOf(name: string): string[] {
  const n = name.toLowerCase();
  if (n.includes("embed")) return ["TEXT_EMBEDDINGS"];
  if (n.includes("rerank")) return ["TEXT_RERANK"];
  return ["CHAT"];
}

const MODEL_TIME_CREATED = "2024-12-01T00:00:00.000Z";

/** Control-plane `Model` shape (getModel), §8; listModels has its own catalog (control-plane.ts). */
export function modelResource(id: string, vendors: Record<string, string>): Json {
  return {
    id,
    compartmentId: "ocid1.tenancy.oc1..aaaatest",
    capabilities: capabilitiesOf(id),
    lifecycleState: "ACTIVE",
    lifecycleDetails: "",
    displayName: id,
    vendor: vendors[id] ?? "meta",
    version: "1.0.0",
    timeCreated: MODEL_TIME_CREATED,
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
  };
}
