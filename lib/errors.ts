/**
 * The one registry of API error kinds. The API server throws these and sends them as
 * Kubernetes `Status` objects; the client rebuilds the same classes from a `Status`; the CLI
 * prints `err.message` as one line.
 */
import type { Status, StatusCause } from "./types.js";

export type ErrorReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "Gone"
  | "Expired"
  | "Unauthorized"
  | "Forbidden"
  | "BadRequest"
  | "MethodNotAllowed"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "NotAcceptable"
  | "Timeout"
  | "TooManyRequests"
  | "ServiceUnavailable"
  | "InternalError";

const CODES: Record<ErrorReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  Gone: 410,
  Expired: 410,
  Unauthorized: 401,
  Forbidden: 403,
  BadRequest: 400,
  MethodNotAllowed: 405,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  NotAcceptable: 406,
  Timeout: 504,
  TooManyRequests: 429,
  ServiceUnavailable: 503,
  InternalError: 500,
};

export interface ErrorDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

/** An API error: carries everything needed to build (or that was read from) a `Status`. */
export class ApiError extends Error {
  readonly reason: ErrorReason;
  readonly code: number;
  readonly details?: ErrorDetails;

  constructor(reason: ErrorReason, message: string, details?: ErrorDetails, code?: number) {
    super(message);
    this.name = "ApiError";
    this.reason = reason;
    this.code = code ?? CODES[reason];
    this.details = details;
  }

  /** The Kubernetes `Status` object for this error. */
  toStatus(): Status {
    const s: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) s.details = this.details;
    return s;
  }

  /** Rebuild an error from a `Status` received over the wire. */
  static fromStatus(status: Partial<Status>, httpCode?: number): ApiError {
    const code = status.code ?? httpCode ?? 500;
    const reason = isReason(status.reason) ? status.reason : reasonForCode(code);
    return new ApiError(reason, status.message ?? `request failed with HTTP ${code}`, status.details, code);
  }
}

function isReason(r: unknown): r is ErrorReason {
  return typeof r === "string" && r in CODES;
}

function reasonForCode(code: number): ErrorReason {
  const found = (Object.keys(CODES) as ErrorReason[]).find((r) => CODES[r] === code);
  return found ?? "InternalError";
}

/** `pods "web-1" not found` */
export function notFound(resource: string, name: string, group = ""): ApiError {
  return new ApiError("NotFound", `${qualified(resource, group)} "${name}" not found`, { name, group, kind: resource });
}

export function alreadyExists(resource: string, name: string, group = ""): ApiError {
  return new ApiError("AlreadyExists", `${qualified(resource, group)} "${name}" already exists`, { name, group, kind: resource });
}

export function conflict(resource: string, name: string, why: string, group = ""): ApiError {
  return new ApiError(
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`,
    { name, group, kind: resource },
  );
}

/** A field-level validation failure: message names every bad field, as `spec.replicas: must be greater than or equal to 0`. */
export interface FieldError {
  field: string;
  message: string;
  /** FieldValueInvalid, FieldValueRequired, FieldValueDuplicate, FieldValueNotSupported */
  type?: string;
}

export function invalid(kind: string, name: string, errors: FieldError[], group = ""): ApiError {
  const list = errors.map((e) => `${e.field}: ${e.message}`).join(", ");
  return new ApiError("Invalid", `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${list}`, {
    name,
    group,
    kind,
    causes: errors.map((e) => ({ reason: e.type ?? "FieldValueInvalid", message: e.message, field: e.field })),
  });
}

export function gone(message: string): ApiError {
  return new ApiError("Expired", message, undefined, 410);
}

export function badRequest(message: string): ApiError {
  return new ApiError("BadRequest", message);
}

export function unauthorized(message = "Unauthorized"): ApiError {
  return new ApiError("Unauthorized", message);
}

export function forbidden(message: string): ApiError {
  return new ApiError("Forbidden", message);
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError("MethodNotAllowed", message);
}

export function tooLarge(message: string): ApiError {
  return new ApiError("RequestEntityTooLarge", message);
}

export function internal(message: string): ApiError {
  return new ApiError("InternalError", message);
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.reason === "NotFound";
}
export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiError && e.reason === "AlreadyExists";
}
export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.reason === "Conflict";
}
export function isGone(e: unknown): boolean {
  return e instanceof ApiError && e.code === 410;
}
export function isInvalid(e: unknown): boolean {
  return e instanceof ApiError && e.reason === "Invalid";
}

function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}
