/**
 * Request body decoding: JSON or YAML bodies, the patch content types, and the 400/415 errors
 * for anything else. Bodies arrive as raw Buffers (the app registers one catch-all parser) so
 * that every failure becomes a Kubernetes `Status`.
 *
 * Decoder limits: the body size is fastify's `bodyLimit` (413); nesting is capped at
 * `MAX_NESTING_DEPTH` for JSON and YAML alike (400), checked without recursion on the decoded
 * value, because everything after decoding (patches, deep compares, validation, serialization)
 * recurses; YAML aliases are bounded by the yaml library's `maxAliasCount` (a "billion laughs"
 * body is a 400, not a blow-up).
 */
import YAML from "yaml";
import { ApiError, badRequest } from "../lib/errors.js";

/** The patch types; "apply" is server-side apply (a YAML or JSON apply configuration, not a diff). */
export type PatchKind = "json" | "merge" | "strategic" | "apply";

/**
 * The deepest nesting of objects and arrays a body may have. Kubernetes' decoder allows 10,000
 * (its Go stacks grow); kctl's patch, compare and validation code recurses on a fixed JS stack,
 * and no real manifest comes near 100 levels, so 512 leaves a wide margin on both sides.
 */
export const MAX_NESTING_DEPTH = 512;
/** YAML aliases a body may expand (the yaml library's default, stated here as the contract). */
const MAX_YAML_ALIASES = 100;

/** The media type without parameters, lower-cased; "" when absent. */
export function mediaType(header: string | undefined): string {
  if (!header) return "";
  const semi = header.indexOf(";");
  return (semi >= 0 ? header.slice(0, semi) : header).trim().toLowerCase();
}

function unsupported(type: string): ApiError {
  return new ApiError("UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got "${type}")`);
}

/** Decode a POST/PUT body (JSON, or YAML). */
export function decodeObjectBody(body: unknown, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  const text = bodyText(body);
  if (type === "" || type === "application/json" || type === "*/*") return parseJson(text);
  if (type === "application/yaml" || type === "application/x-yaml" || type === "text/yaml") return parseYaml(text);
  throw unsupported(type);
}

/** Decode a PATCH body and tell which patch type it is. */
export function decodePatchBody(body: unknown, contentType: string | undefined): { kind: PatchKind; patch: unknown } {
  const type = mediaType(contentType);
  const text = bodyText(body);
  switch (type) {
    case "application/json-patch+json":
      return { kind: "json", patch: parseJson(text) };
    case "application/merge-patch+json":
      return { kind: "merge", patch: parseJson(text) };
    case "application/strategic-merge-patch+json":
      return { kind: "strategic", patch: parseJson(text) };
    case "application/apply-patch+yaml":
      // JSON is YAML, and clients (kubectl, client-node) send JSON: parse it as such when it is,
      // several times faster than the YAML parser.
      return { kind: "apply", patch: looksLikeJson(text) ? parseJsonOrYaml(text) : parseYaml(text) };
    default:
      throw new ApiError(
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got "${type}")`,
      );
  }
}

/** Decode an optional body (DeleteOptions): undefined when empty. */
export function decodeOptionalBody(body: unknown, contentType: string | undefined): unknown {
  const text = bodyText(body);
  if (text.trim() === "") return undefined;
  return decodeObjectBody(body, contentType);
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return "";
  if (Buffer.isBuffer(body)) return body.toString("utf8");
  if (typeof body === "string") return body;
  throw badRequest("unreadable request body");
}

function parseJson(text: string): unknown {
  if (text.trim() === "") throw badRequest("the request body is empty");
  let v: unknown;
  try {
    v = JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
  return withinDepth(v);
}

/** `v` itself, or a 400 when it nests deeper than MAX_NESTING_DEPTH (an explicit stack: no recursion). */
export function withinDepth<T>(v: T): T {
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== "object" || x === null) continue;
    if (depth > MAX_NESTING_DEPTH) throw badRequest(`the request body nests deeper than ${MAX_NESTING_DEPTH} levels`);
    for (const c of Array.isArray(x) ? x : Object.values(x as Record<string, unknown>)) {
      if (typeof c === "object" && c !== null) stack.push([c, depth + 1]);
    }
  }
  return v;
}

const looksLikeJson = (text: string): boolean => /^\s*\{/.test(text);

function parseJsonOrYaml(text: string): unknown {
  try {
    return withinDepth(JSON.parse(text) as unknown);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    return parseYaml(text); // YAML flow style that is not strict JSON ({a: 1})
  }
}

function parseYaml(text: string): unknown {
  if (text.trim() === "") throw badRequest("the request body is empty");
  try {
    const docs = YAML.parseAllDocuments(text);
    if (docs.length !== 1) throw new Error(`expected one YAML document, got ${docs.length}`);
    const doc = docs[0]!;
    if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message);
    return withinDepth(doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    // The YAML parser recurses on flow collections: a body deep enough to exhaust the stack is
    // the same refusal as any other too-deep body.
    if (e instanceof RangeError || /call stack/i.test((e as Error).message)) throw badRequest(`the request body nests deeper than ${MAX_NESTING_DEPTH} levels`);
    throw badRequest(`the request body is not valid YAML: ${(e as Error).message}`);
  }
}
