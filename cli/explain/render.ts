/**
 * kubectl explain's plaintext layout (its OpenAPI v3 template), byte for byte:
 *
 *   GROUP:      apps                 (omitted for the core group)
 *   KIND:       Deployment
 *   VERSION:    v1
 *
 *   FIELD: replicas <integer>        (when a field path was given)
 *
 *
 *   DESCRIPTION:
 *       text wrapped at 76 columns, indented 4
 *
 *   FIELDS:
 *     name<TAB><type> -required-
 *     enum: A, B
 *       description (without --recursive; nested fields instead with it)
 */
import type { Schema, SchemaIndex } from "./schema.js";

const WIDTH = 76;

/** Greedy word wrap of each line of `text` to WIDTH columns, each output line prefixed by `indent`. */
export function wrap(text: string, indent: string): string[] {
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > WIDTH) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(indent + line);
  }
  return out;
}

/** What is being explained. */
export interface ExplainTarget {
  group: string;
  kind: string;
  version: string;
  /** the last path segment, when a field path was given */
  field?: string;
  /** the field's (or the kind's) schema */
  schema: Schema;
}

function fieldLines(index: SchemaIndex, owner: Schema, depth: number, recursive: boolean, seen: ReadonlySet<Schema>): string[] {
  const lines: string[] = [];
  const indent = "  ".repeat(depth);
  const required = new Set(owner.required ?? []);
  for (const name of Object.keys(owner.properties ?? {}).sort()) {
    const f = owner.properties![name];
    const target = index.target(f);
    lines.push(`${indent}${name}\t<${index.typeName(f)}>${required.has(name) ? " -required-" : ""}`);
    const values = f.enum ?? target.enum;
    // kubectl shows at most four values, then "...."
    if (values?.length) lines.push(`${indent}enum: ${values.slice(0, 4).map(String).join(", ")}${values.length > 4 ? ", ...." : ""}`);
    if (recursive) {
      const sub = index.fieldsOf(f);
      if (sub && !seen.has(sub)) lines.push(...fieldLines(index, sub, depth + 1, true, new Set([...seen, sub])));
    } else {
      if (f.description) lines.push(...wrap(f.description, `${indent}  `));
      lines.push("");
    }
  }
  return lines;
}

/** The whole text kubectl prints for `explain TYPE[.path] [--recursive]`. */
export function renderExplain(index: SchemaIndex, t: ExplainTarget, recursive: boolean): string {
  const lines: string[] = [];
  if (t.group) lines.push(`GROUP:      ${t.group}`);
  lines.push(`KIND:       ${t.kind}`, `VERSION:    ${t.version}`, "");
  const descriptions: string[] = [];
  if (t.field !== undefined) {
    lines.push(`FIELD: ${t.field} <${index.typeName(t.schema)}>`, "", "");
    if (t.schema.description) descriptions.push(t.schema.description);
    // the type's own description follows the field's (the referenced, or array element's, type)
    const el = index.element(t.schema);
    const typed = el ? index.target(el) : index.target(t.schema);
    if (typed !== t.schema && typed.description) descriptions.push(typed.description);
  } else if (t.schema.description) descriptions.push(t.schema.description);
  lines.push("DESCRIPTION:");
  for (const d of descriptions) lines.push(...wrap(d, "    "));
  lines.push("    ");
  const owner = index.fieldsOf(t.schema);
  if (owner?.properties && Object.keys(owner.properties).length) {
    lines.push("FIELDS:", ...fieldLines(index, owner, 1, recursive, new Set([owner])));
  }
  lines.push("");
  return `${lines.join("\n")}\n`;
}
