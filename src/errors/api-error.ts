/**
 * The one error type of the product. Services and translation throw it; the errors plugin turns it
 * into the envelope of the route family. `type`/`code` follow OpenAI's vocabulary.
 */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "conflict_error"
  | "rate_limit_error"
  | "upstream_error"
  | "timeout_error"
  | "service_unavailable"
  | "server_error";

export interface ApiErrorInit {
  type: ErrorType;
  code?: string | null;
  param?: string | null;
  headers?: Record<string, string>;
  /** Direct-family extras (seed shapes). */
  suggestion?: string;
  details?: unknown;
  /** OCI's request id, so users can open a support case. */
  ociRequestId?: string;
}

export class ApiError extends Error {
  readonly type: ErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly suggestion?: string;
  readonly details?: unknown;
  readonly ociRequestId?: string;

  constructor(
    readonly status: number,
    message: string,
    init: ApiErrorInit,
  ) {
    super(message);
    this.name = "ApiError";
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.headers = init.headers ?? {};
    this.suggestion = init.suggestion;
    this.details = init.details;
    this.ociRequestId = init.ociRequestId;
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, { type: "invalid_request_error", param, code });

/** A required field the request left out (or empty), named with OpenAI's code for it. */
export const missingParam = (param: string) =>
  badRequest(`'${param}' is required`, param, "missing_required_parameter");

/** A parameter the target OCI format cannot express: rejected, never silently dropped. */
export const unsupportedParam = (param: string, why: string) =>
  new ApiError(400, `Unsupported parameter '${param}': ${why}`, {
    type: "invalid_request_error",
    param,
    code: "unsupported_parameter",
  });

/**
 * A name the client sent, as an error message quotes it: cut to 100 characters, so a 9 KB alias
 * is not sent back whole.
 */
export const quoted = (name: string) => (name.length > 100 ? `${name.slice(0, 100)}…` : name);

export const modelNotFound = (alias: string) =>
  new ApiError(404, `Model '${quoted(alias)}' not found in llm_models.json`, {
    type: "invalid_request_error",
    param: "model",
    code: "model_not_found",
  });

export const routeNotFound = (method: string, path: string) =>
  new ApiError(404, `Unknown route: ${method} ${quoted(path)}`, { type: "invalid_request_error", code: "not_found" });

export const payloadTooLarge = (limitBytes: number) =>
  new ApiError(413, `Request body is larger than the limit of ${Math.round(limitBytes / 1024 / 1024)} MB`, {
    type: "invalid_request_error",
    code: "request_too_large",
  });
