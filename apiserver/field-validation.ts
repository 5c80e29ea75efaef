/**
 * `fieldValidation=Strict|Warn|Ignore` on create, update and patch, as Kubernetes answers it:
 * unknown fields are an error (Strict), a `Warning` header each (Warn, the default) or silently
 * dropped (Ignore). The schemas are kctl's own (lib/schema).
 */
import type { FastifyReply } from "fastify";
import { ApiError } from "../lib/errors.js";
import { groupVersion, type ResourceInfo } from "../lib/kinds.js";
import { checkFields } from "../lib/schema/field-check.js";
import { schemaOfKind } from "../lib/schema/index.js";

/** The three directives Kubernetes defines. */
export type FieldValidation = "Strict" | "Warn" | "Ignore";

/** Parse the query parameter (absent: Warn, Kubernetes' default). */
export function parseFieldValidation(v: string | undefined): FieldValidation {
  if (v === undefined || v === "") return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw new ApiError("BadRequest", `fieldValidation: invalid value "${v}": must be one of Ignore, Warn, or Strict`);
}

/**
 * Check `obj` (a decoded body, or a patch's result) of resource `ri` in place: unknown fields
 * are removed. Returns the warnings to send; throws a 400 BadRequest under Strict.
 */
export function validateFields(ri: ResourceInfo, obj: unknown, mode: FieldValidation): string[] {
  const schema = schemaOfKind(ri.kind);
  if (!schema || typeof obj !== "object" || obj === null) return [];
  const found = checkFields(schema, obj);
  const version = typeof (obj as { apiVersion?: unknown }).apiVersion === "string" ? (obj as { apiVersion: string }).apiVersion : groupVersion(ri);
  const cannot = `${ri.kind} in version "${version.slice(version.lastIndexOf("/") + 1)}" cannot be handled as a ${ri.kind}`;
  if (!found.unknown.length || mode === "Ignore") return [];
  const fields = found.unknown.map((p) => `unknown field "${p}"`);
  if (mode === "Strict") throw new ApiError("BadRequest", `${cannot}: strict decoding error: ${fields.join(", ")}`);
  return fields;
}

/** Send Kubernetes-style warnings (`Warning: 299 - "text"`), one header line each. */
export function addWarnings(reply: FastifyReply, warnings: string[]): void {
  if (!warnings.length) return;
  const prev = reply.getHeader("warning");
  const lines = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  reply.header("warning", [...(Array.isArray(prev) ? prev.map(String) : prev !== undefined ? [String(prev)] : []), ...lines]);
}

