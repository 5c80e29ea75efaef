/**
 * The one reading of a request's path. The app parses it once per request, before
 * authentication (app.ts onRequest), and everything after reads that parse: the open-paths
 * check, the resource router (paths.ts), the authorizer and admission. No layer re-reads the raw
 * URL, so no two layers can disagree about which object a request names (issue 21: a regex on
 * the raw URL let `/api/v1//nodes` and `/api/v1/node%73` past the node restriction while the
 * router understood them as `/api/v1/nodes`).
 *
 *   raw path ── split on "/" ── each segment percent-decoded once ── segments
 *
 * Refused (400 before any check, for every caller): an empty segment (`//`), a `.` or `..`
 * segment (also encoded, `%2E%2E`), an encoded `/` or `\` (`%2F`, `%5C`), NUL and other control
 * characters, a `%` left after decoding (double encoding such as `%2573`; Kubernetes forbids `%`
 * in every name that appears in a path), malformed percent-encoding, and a target that does not
 * start with `/`. One trailing `/` is allowed, as fastify's `ignoreTrailingSlash` routes it.
 *
 * Percent-encoding of other characters is decoded, not refused: clients legitimately encode
 * segments (client-node and kctl's client use encodeURIComponent, so `:` arrives as `%3A`), and
 * once every layer reads the same decoded segments an encoding can no longer change meaning. The
 * refusals above are exactly the encodings that could still change the segment structure or be
 * decoded a second time by something downstream.
 */

/** A request path in canonical form. */
export interface RequestPath {
  /** the decoded segments, none empty, no dot segments */
  segments: readonly string[];
  /** `/` + segments joined by `/` (no trailing slash): what open-path and route checks compare */
  path: string;
}

/** Why a path is refused; `undefined` from `parseRequestPath` means it is canonical. */
export type PathRefusal = string;

// Control characters, DEL, and the backslash that some stacks read as a separator.
const FORBIDDEN_DECODED = /[\u0000-\u001f\u007f\\]/;

/** Parse the path part of a request target (`url` may carry a query), or say why it is refused. */
export function parseRequestPath(url: string): RequestPath | PathRefusal {
  const q = url.indexOf("?");
  const raw = q >= 0 ? url.slice(0, q) : url;
  if (!raw.startsWith("/")) return "the request path must start with /";
  if (raw.includes("#")) return "a fragment (#) is not allowed in a request path";
  if (raw === "/") return { segments: [], path: "/" };
  const parts = raw.slice(1).split("/");
  // One trailing slash routes as the path without it (fastify ignoreTrailingSlash).
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  const segments: string[] = [];
  for (const part of parts) {
    if (part === "") return "empty path segment (//)";
    let s: string;
    try {
      s = decodeURIComponent(part);
    } catch {
      return `malformed percent-encoding in path segment "${part}"`;
    }
    if (s.includes("/")) return `encoded slash (%2F) in path segment "${part}"`;
    if (FORBIDDEN_DECODED.test(s)) return `control character or backslash (raw or encoded) in path segment "${part}"`;
    if (s.includes("%")) return `percent sign after decoding path segment "${part}" (double encoding)`;
    if (s === "." || s === "..") return `dot segment "${part}" in path`;
    segments.push(s);
  }
  return { segments, path: `/${segments.join("/")}` };
}

/** The message of the 400 Status a refused path gets. */
export function refusedPathMessage(url: string, why: PathRefusal): string {
  const q = url.indexOf("?");
  const raw = q >= 0 ? url.slice(0, q) : url;
  const shown = raw.length > 200 ? `${raw.slice(0, 200)}...` : raw;
  return `the request path "${shown}" is not canonical: ${why}`;
}
