/**
 * The web view's REST client: same-origin fetch with the user's bearer token. Errors come back as
 * Kubernetes Status objects and are raised as {@link ApiFailure} (code, reason, message), the
 * browser twin of lib/errors.ts's ApiError (which the UI does not bundle: it pulls in Node code).
 */
import type { Status } from "../lib/types.js";

/** A failed request: the HTTP code and the Status' reason and message. */
export class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Any 401: the token is unknown, expired or revoked. */
export const isUnauthorized = (e: unknown): boolean => e instanceof ApiFailure && e.code === 401;
/** 403: the token may not do this. */
export const isForbidden = (e: unknown): boolean => e instanceof ApiFailure && e.code === 403;
/** 410: the resourceVersion is compacted away (relist). */
export const isGone = (e: unknown): boolean => e instanceof ApiFailure && e.code === 410;

/** Rebuild a failure from a non-2xx response (a Status body when the server sent one). */
export async function failureOf(res: Response): Promise<ApiFailure> {
  let reason = res.statusText;
  let message = `${res.status} ${res.statusText}`;
  try {
    const s = (await res.json()) as Status;
    if (s.reason) reason = s.reason;
    if (s.message) message = s.message;
  } catch {
    // not a Status: keep the HTTP status line
  }
  return new ApiFailure(res.status, reason, message);
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/** Requests to the API server with one token; `onUnauthorized` is told of every 401. */
export class Api {
  constructor(
    readonly token: string,
    /** told of every 401 (also the watch worker's, which the page relays) */
    readonly onUnauthorized: (message: string) => void,
  ) {}

  headers(contentType?: string): Record<string, string> {
    const h: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: "application/json" };
    if (contentType) h["Content-Type"] = contentType;
    return h;
  }

  /** A raw response (streams: watch, logs); non-2xx raise ApiFailure. */
  async open(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: this.headers(opts.body === undefined ? undefined : (opts.contentType ?? "application/json")),
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
        cache: "no-store",
      });
    } catch (e) {
      if ((e as Error).name === "AbortError") throw e;
      throw new ApiFailure(0, "ServiceUnavailable", `the API server did not answer (${(e as Error).message})`);
    }
    if (!res.ok) {
      const f = await failureOf(res);
      if (f.code === 401) this.onUnauthorized(f.message);
      throw f;
    }
    return res;
  }

  /** A JSON request. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.open(method, path, opts);
    return (await res.json()) as T;
  }
}
