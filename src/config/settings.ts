import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { isCompiledBinary } from "../lib/compiled-binary";
import type { LogLevel } from "../observability/logger";
import { type CliArgs, parsePort, UsageError } from "./flags";

export type OciAuthMode = "api_key" | "instance_principal" | "resource_principal";

/** Process-wide settings: flags beat environment, which beats the files (docs/configuration.md#precedence). */
export interface Settings {
  port: number;
  host: string;
  configDir: string;
  modelsPath: string;
  credentialsPath: string;
  /** api_keys.json (team keys); `keysExplicit` when named by --keys or API_KEYS_FILE (then it must exist). */
  keysPath: string;
  keysExplicit: boolean;
  profile: string;
  /** From flag or env; credentials.conf may still turn it on (see resolveTestMode). */
  /** The flag's or TEST_MODE's answer; undefined when neither says (credentials.conf's `test_mode` decides). */
  testModeRequested: boolean | undefined;
  apiKeys: string[];
  logLevel: LogLevel;
  corsOrigins: string[] | "*";
  ociAuth: OciAuthMode;
  /** Base URL overrides; `agentControl` is the agent control plane (`ocigenai discover`). */
  endpoints: { inference?: string; genai?: string; agent?: string; agentControl?: string; objectStorage?: string };
  upstreamTimeoutMs: number;
  streamIdleMs: number;
  keepAliveMs: number;
  maxJsonBytes: number;
  /** SESSION_STORE as given (memory | sqlite:PATH | redis://...); undefined → SQLite in the config dir. */
  sessionStore?: string;
  sessionTtlMs: number;
  files: {
    /** GENAI_BUCKET; without it the files routes answer 503 (outside TEST_MODE). */
    bucket?: string;
    prefix: string;
    maxUploadBytes: number;
    parTtlMs: number;
  };
  /** ALLOW_PRIVATE_IMAGE_HOSTS: host names or addresses remote images may come from although private. */
  allowPrivateImageHosts: Set<string>;
  /** METRICS_PUBLIC=true serves /metrics without a key. */
  metricsPublic: boolean;
  /** DOCS_PUBLIC (default true): /openapi.json and the docs page need no key; false closes them. */
  docsPublic: boolean;
  /** STRICT_TOOLS=true: tools only OpenAI's servers run are refused (400) instead of left out. */
  strictTools: boolean;
  /** RESPONSES_TTL_SECONDS: how long a stored Responses API response is kept (default 30 days). */
  responsesTtlMs: number;
  /**
   * MAX_CONCURRENT_PER_KEY: OCI calls in flight per API key; 0 = unlimited. Default: half of
   * `upstreamCapacity`, so one key cannot take all of it.
   */
  maxConcurrentPerKey: number;
  /** Upstream requests one process is sized for (BUN_CONFIG_MAX_HTTP_REQUESTS, else 4096). */
  upstreamCapacity: number;
  /** --workers / WORKERS: server processes on one port; `auto` = the machine's cores (docs/deploy.md#workers). */
  workers: number;
  /** DRAIN_SECONDS: how long SIGTERM lets in-flight requests finish. */
  drainMs: number;
  /** LOG_BODIES=true with LOG_LEVEL=debug: request bodies (prompts!) are logged. Off otherwise. */
  logBodies: boolean;
  /** What one request may make the gateway do (docs/api/README.md#limits). */
  limits: RequestLimits;
}

export interface RequestLimits {
  /** MAX_SCHEMA_NODES: schema nodes a tool or response schema may expand to once $refs are inlined. */
  maxSchemaNodes: number;
  /** MAX_IMAGES_PER_REQUEST: image parts (URLs, file ids, inline data) in one chat request. */
  maxImages: number;
  /** MAX_IMAGE_MB_PER_REQUEST: decoded image bytes one request sends to OCI, every reference counted. */
  maxImageBytes: number;
  /** MAX_COMPLETION_PROMPTS: prompts in one /v1/completions array (each is one OCI call). */
  maxPrompts: number;
}

export type Env = Record<string, string | undefined>;

export function resolveSettings(args: CliArgs, env: Env, cwd = process.cwd()): Settings {
  const configDir = resolve(
    cwd,
    args.configDir ?? env.OCIGENAI_CONFIG_DIR ?? (isCompiledBinary() ? dirname(process.execPath) : cwd),
  );
  const apiKeys = [env.API_KEY, ...(env.API_KEYS ?? "").split(",")]
    .map((k) => k?.trim() ?? "")
    .filter((k, i, all) => k !== "" && all.indexOf(k) === i);
  const cors = (env.CORS_ORIGINS ?? "*")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  return {
    port: args.port ?? (env.PORT ? parsePort(env.PORT, "PORT") : 8000),
    host: args.host ?? env.HOST ?? "0.0.0.0",
    configDir,
    modelsPath: resolve(configDir, args.models ?? env.LLM_CONFIG_PATH ?? "llm_models.json"),
    credentialsPath: resolve(configDir, args.credentials ?? env.OCI_CONFIG_FILE ?? "credentials.conf"),
    keysPath: resolve(configDir, args.keys ?? env.API_KEYS_FILE ?? "api_keys.json"),
    keysExplicit: (args.keys ?? env.API_KEYS_FILE) !== undefined,
    profile: args.profile ?? env.OCI_CONFIG_PROFILE ?? "DEFAULT",
    testModeRequested: args.testMode ?? flag(env.TEST_MODE, "TEST_MODE"),
    apiKeys,
    logLevel: oneOf(env.LOG_LEVEL?.toLowerCase(), ["debug", "info", "warn", "error"] as const, "info", "LOG_LEVEL"),
    corsOrigins: cors.length === 0 || cors.includes("*") ? "*" : cors,
    ociAuth: oneOf(
      env.OCI_AUTH?.toLowerCase(),
      ["api_key", "instance_principal", "resource_principal"] as const,
      "api_key",
      "OCI_AUTH",
    ),
    endpoints: {
      inference: baseUrl(env.OCI_INFERENCE_ENDPOINT, "OCI_INFERENCE_ENDPOINT"),
      genai: baseUrl(env.OCI_GENAI_ENDPOINT, "OCI_GENAI_ENDPOINT"),
      agent: baseUrl(env.OCI_AGENT_ENDPOINT, "OCI_AGENT_ENDPOINT"),
      agentControl: baseUrl(env.OCI_AGENT_CONTROL_ENDPOINT, "OCI_AGENT_CONTROL_ENDPOINT"),
      objectStorage: baseUrl(env.OCI_OBJECT_STORAGE_ENDPOINT, "OCI_OBJECT_STORAGE_ENDPOINT"),
    },
    upstreamTimeoutMs: seconds(env.UPSTREAM_TIMEOUT_SECONDS, 300, "UPSTREAM_TIMEOUT_SECONDS"),
    streamIdleMs: seconds(env.STREAM_IDLE_SECONDS, 120, "STREAM_IDLE_SECONDS"),
    keepAliveMs: seconds(env.KEEPALIVE_SECONDS, 15, "KEEPALIVE_SECONDS"),
    maxJsonBytes: megabytes(env.MAX_JSON_MB, 10, "MAX_JSON_MB"),
    sessionStore: env.SESSION_STORE?.trim() || undefined,
    sessionTtlMs: seconds(env.SESSION_TTL_SECONDS, 7200, "SESSION_TTL_SECONDS"),
    files: {
      bucket: env.GENAI_BUCKET?.trim() || undefined,
      prefix: uploadPrefix(env.GENAI_UPLOAD_PREFIX),
      maxUploadBytes: megabytes(env.MAX_UPLOAD_MB, 50, "MAX_UPLOAD_MB"),
      parTtlMs: hours(env.GENAI_PAR_HOURS, 24, "GENAI_PAR_HOURS"),
    },
    metricsPublic: flag(env.METRICS_PUBLIC, "METRICS_PUBLIC") ?? false,
    docsPublic: flag(env.DOCS_PUBLIC, "DOCS_PUBLIC") ?? true,
    strictTools: flag(env.STRICT_TOOLS, "STRICT_TOOLS") ?? false,
    responsesTtlMs: seconds(env.RESPONSES_TTL_SECONDS, 30 * 24 * 3600, "RESPONSES_TTL_SECONDS"),
    logBodies: flag(env.LOG_BODIES, "LOG_BODIES") === true && env.LOG_LEVEL?.toLowerCase() === "debug",
    maxConcurrentPerKey: env.MAX_CONCURRENT_PER_KEY?.trim()
      ? count(env.MAX_CONCURRENT_PER_KEY, "MAX_CONCURRENT_PER_KEY")
      : Math.max(1, Math.floor(upstreamCapacity(env) / 2)),
    upstreamCapacity: upstreamCapacity(env),
    workers: workers(args.workers ?? env.WORKERS, args.workers !== undefined ? "--workers" : "WORKERS"),
    drainMs: seconds(env.DRAIN_SECONDS, 30, "DRAIN_SECONDS"),
    limits: {
      maxSchemaNodes: positive(env.MAX_SCHEMA_NODES, 20_000, "MAX_SCHEMA_NODES"),
      maxImages: positive(env.MAX_IMAGES_PER_REQUEST, 20, "MAX_IMAGES_PER_REQUEST"),
      maxImageBytes: megabytes(env.MAX_IMAGE_MB_PER_REQUEST, 50, "MAX_IMAGE_MB_PER_REQUEST"),
      maxPrompts: positive(env.MAX_COMPLETION_PROMPTS, 16, "MAX_COMPLETION_PROMPTS"),
    },
    allowPrivateImageHosts: new Set(
      (env.ALLOW_PRIVATE_IMAGE_HOSTS ?? "")
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
  };
}

/** Object names live under this prefix; it always ends with one `/` and never starts with one. */
function uploadPrefix(v: string | undefined): string {
  const p = (v ?? "genai-uploads/").trim().replace(/^\/+/, "");
  if (p.includes("..")) throw new UsageError(`GENAI_UPLOAD_PREFIX must not contain '..', got '${v}'`);
  return p === "" ? "" : p.endsWith("/") ? p : `${p}/`;
}

function count(v: string | undefined, name: string): number {
  if (v === undefined || v.trim() === "") return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a whole number (0 = unlimited), got '${v}'`);
  return n;
}

/** More workers than this is a typo, not a machine. */
const MAX_WORKERS = 256;

function workers(v: string | undefined, name: string): number {
  if (v === undefined || v.trim() === "") return 1;
  if (v.trim().toLowerCase() === "auto") return Math.max(1, availableParallelism());
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new UsageError(`${name} must be a whole number from 1 to ${MAX_WORKERS}, or auto; got '${v}'`);
  return n;
}

/**
 * Upstream requests one process is sized for: node:http has no limit of its own, and through a
 * proxy `serve` raises Bun's fetch to this many at launch (server/launch.ts); an operator's
 * `BUN_CONFIG_MAX_HTTP_REQUESTS` is taken as the capacity instead.
 */
const DEFAULT_UPSTREAM_CAPACITY = 4096;

function upstreamCapacity(env: Env): number {
  const n = Number(env.BUN_CONFIG_MAX_HTTP_REQUESTS);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_UPSTREAM_CAPACITY;
}

function positive(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined || v.trim() === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number of at least 1, got '${v}'`);
  return n;
}

function megabytes(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined || v.trim() === "") return fallback * 1024 * 1024;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number of megabytes, got '${v}'`);
  return Math.round(n * 1024 * 1024);
}

/** A boolean variable: undefined when unset or blank; anything but the usual spellings stops start-up. */
function flag(v: string | undefined, name: string): boolean | undefined {
  const s = v?.trim().toLowerCase();
  if (s === undefined || s === "") return undefined;
  if (/^(true|1|yes|on)$/.test(s)) return true;
  if (/^(false|0|no|off)$/.test(s)) return false;
  throw new UsageError(`${name} must be true or false (also 1/0, yes/no, on/off), got '${v}'`);
}

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], fallback: T, name: string): T {
  if (v === undefined || v === "") return fallback;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`${name} must be one of ${allowed.join(", ")}, got '${v}'`);
}

function hours(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined || v === "") return fallback * 3600 * 1000;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number of hours, got '${v}'`);
  return n * 3600 * 1000;
}

function seconds(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined || v === "") return fallback * 1000;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number of seconds, got '${v}'`);
  return n * 1000;
}

function baseUrl(v: string | undefined, name: string): string | undefined {
  if (v === undefined || v === "") return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
  } catch {
    throw new UsageError(`${name} must be an http(s) URL, got '${v}'`);
  }
  return v.replace(/\/+$/, "");
}
