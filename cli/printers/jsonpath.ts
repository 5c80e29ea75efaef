/**
 * A JSONPath template engine for the subset kubectl users type:
 * `{.items[*].metadata.name}`, `{.status.phase}`, `{.items[0].spec.containers[*].image}`,
 * `{range .items[*]}{.metadata.name}{"\n"}{end}`, `{.status.conditions[?(@.type=="Ready")].status}`,
 * `{.metadata.labels.app}`, `{.metadata.annotations['a\.b/c']}`, `{..image}`, slices `[1:3]`, `[-1]`.
 * Missing keys print nothing (kubectl's default `--allow-missing-template-keys=true`).
 */

type Segment =
  | { t: "field"; name: string }
  | { t: "wildcard" }
  | { t: "recursive"; name: string | null }
  | { t: "index"; indexes: number[] }
  | { t: "slice"; start?: number; end?: number; step?: number }
  | { t: "keys"; names: string[] }
  | { t: "filter"; path: Segment[]; op?: string; value?: unknown };

type Node =
  | { t: "text"; text: string }
  | { t: "path"; path: Segment[] }
  | { t: "range"; path: Segment[]; body: Node[] };

/** A template parse error (the message is user-facing). */
export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JsonPathError";
  }
}

/** Accept `.metadata.name`, `metadata.name` or `{.metadata.name}` (custom-columns, --sort-by). */
export function relaxedTemplate(expr: string): string {
  let e = expr.trim();
  if (e.startsWith("{") && e.endsWith("}")) return e;
  if (!e.startsWith(".") && !e.startsWith("[") && !e.startsWith("$") && !e.startsWith("@")) e = `.${e}`;
  return `{${e}}`;
}

/** Compile a template once; the returned function runs it on a value. */
export function compileJsonPath(template: string): (data: unknown) => string {
  const nodes = parseTemplate(template);
  return (data) => render(nodes, data, data);
}

/** Evaluate a single path expression (`{.a.b}` or `.a.b`) to its list of results. */
export function evaluatePath(expr: string, data: unknown): unknown[] {
  const t = relaxedTemplate(expr);
  const nodes = parseTemplate(t);
  const first = nodes.find((n) => n.t === "path");
  if (!first || first.t !== "path") return [];
  return walk(first.path, [data], data);
}

/** Render a result value as kubectl does: strings raw, everything else JSON. */
export function valueText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

// ---------------- parsing ----------------

function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open < 0) {
      stack[stack.length - 1].push({ t: "text", text: template.slice(i) });
      break;
    }
    if (open > i) stack[stack.length - 1].push({ t: "text", text: template.slice(i, open) });
    const close = findClose(template, open);
    const inner = template.slice(open + 1, close).trim();
    i = close + 1;
    if (inner.startsWith("range ")) {
      const node: Node = { t: "range", path: parsePath(inner.slice(6).trim()), body: [] };
      stack[stack.length - 1].push(node);
      stack.push(node.body);
    } else if (inner === "end") {
      if (stack.length === 1) throw new JsonPathError(`error parsing jsonpath ${template}: not in range, nothing to end`);
      stack.pop();
    } else if (inner.startsWith('"') || inner.startsWith("'")) {
      stack[stack.length - 1].push({ t: "text", text: unquote(inner) });
    } else {
      stack[stack.length - 1].push({ t: "path", path: parsePath(inner) });
    }
  }
  if (stack.length !== 1) throw new JsonPathError(`error parsing jsonpath ${template}: unclosed range`);
  return root;
}

function findClose(s: string, open: number): number {
  let quote: string | null = null;
  for (let j = open + 1; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === "\\") j++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "}") return j;
  }
  throw new JsonPathError(`error parsing jsonpath ${s}: unclosed action`);
}

function unquote(s: string): string {
  const q = s[0];
  if (!s.endsWith(q) || s.length < 2) throw new JsonPathError(`error parsing jsonpath: unterminated string ${s}`);
  return s.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c as "n"] ?? c);
}

function parsePath(expr: string): Segment[] {
  const segs: Segment[] = [];
  let i = 0;
  if (expr[i] === "$" || expr[i] === "@") i++;
  while (i < expr.length) {
    const c = expr[i];
    if (c === ".") {
      if (expr[i + 1] === ".") {
        i += 2;
        const [name, next] = readName(expr, i);
        segs.push({ t: "recursive", name: name || null });
        i = next;
        continue;
      }
      i++;
      if (expr[i] === "*") {
        segs.push({ t: "wildcard" });
        i++;
        continue;
      }
      const [name, next] = readName(expr, i);
      if (name) segs.push({ t: "field", name });
      i = next;
    } else if (c === "[") {
      const close = findBracket(expr, i);
      segs.push(parseBracket(expr.slice(i + 1, close).trim(), expr));
      i = close + 1;
    } else if (c === " ") {
      i++;
    } else {
      const [name, next] = readName(expr, i);
      if (!name) throw new JsonPathError(`error parsing jsonpath {${expr}}: unrecognized character ${c}`);
      segs.push({ t: "field", name });
      i = next;
    }
  }
  return segs;
}

function readName(expr: string, i: number): [string, number] {
  let name = "";
  while (i < expr.length && expr[i] !== "." && expr[i] !== "[" && expr[i] !== " ") {
    if (expr[i] === "\\" && i + 1 < expr.length) {
      name += expr[i + 1];
      i += 2;
    } else name += expr[i++];
  }
  return [name, i];
}

function findBracket(expr: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let j = open; j < expr.length; j++) {
    const c = expr[j];
    if (quote) {
      if (c === "\\") j++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return j;
  }
  throw new JsonPathError(`error parsing jsonpath {${expr}}: unterminated [`);
}

function parseBracket(inner: string, expr: string): Segment {
  if (inner === "*") return { t: "wildcard" };
  if (inner.startsWith("?(") && inner.endsWith(")")) return parseFilter(inner.slice(2, -1).trim());
  if (inner.startsWith("'") || inner.startsWith('"')) {
    return { t: "keys", names: splitTop(inner).map((p) => unquote(p.trim())) };
  }
  if (inner.includes(":")) {
    const [a, b, c] = inner.split(":").map((p) => (p.trim() === "" ? undefined : Number(p)));
    if ([a, b, c].some((n) => n !== undefined && Number.isNaN(n))) throw new JsonPathError(`error parsing jsonpath {${expr}}: bad slice [${inner}]`);
    return { t: "slice", start: a, end: b, step: c };
  }
  const indexes = inner.split(",").map((p) => Number(p.trim()));
  if (indexes.some((n) => !Number.isInteger(n))) throw new JsonPathError(`error parsing jsonpath {${expr}}: bad index [${inner}]`);
  return { t: "index", indexes };
}

function splitTop(s: string): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let cur = "";
  for (let j = 0; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === "\\") {
        cur += c + s[++j];
        continue;
      }
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ",") {
      parts.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

function parseFilter(f: string): Segment {
  const m = /^(@[^\s=!<>~]*)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(f);
  if (!m) return { t: "filter", path: parsePath(f) };
  const raw = m[3].trim();
  let value: unknown;
  if (raw.startsWith('"') || raw.startsWith("'")) value = unquote(raw);
  else if (raw === "true" || raw === "false") value = raw === "true";
  else if (!Number.isNaN(Number(raw))) value = Number(raw);
  else value = raw;
  return { t: "filter", path: parsePath(m[1]), op: m[2], value };
}

// ---------------- evaluation ----------------

function render(nodes: Node[], current: unknown, root: unknown): string {
  let out = "";
  for (const n of nodes) {
    if (n.t === "text") out += n.text;
    else if (n.t === "path") out += walk(n.path, [current], root).map(valueText).join(" ");
    else {
      for (const item of walk(n.path, [current], root)) {
        const items = Array.isArray(item) && n.path.length > 0 && lastIsPlainField(n.path) ? item : [item];
        for (const it of items) out += render(n.body, it, root);
      }
    }
  }
  return out;
}

function lastIsPlainField(path: Segment[]): boolean {
  const last = path[path.length - 1];
  return last.t === "field" || last.t === "keys";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function walk(path: Segment[], start: unknown[], root: unknown): unknown[] {
  let cur = start;
  for (const seg of path) {
    const next: unknown[] = [];
    for (const v of cur) step(seg, v, next, root);
    cur = next;
  }
  return cur;
}

function step(seg: Segment, v: unknown, out: unknown[], root: unknown): void {
  switch (seg.t) {
    case "field":
      if (isRecord(v) && seg.name in v) out.push(v[seg.name]);
      return;
    case "keys":
      if (isRecord(v)) for (const k of seg.names) if (k in v) out.push(v[k]);
      return;
    case "wildcard":
      if (Array.isArray(v)) out.push(...v);
      else if (isRecord(v)) out.push(...Object.values(v));
      return;
    case "index":
      if (Array.isArray(v)) {
        for (const i of seg.indexes) {
          const j = i < 0 ? v.length + i : i;
          if (j >= 0 && j < v.length) out.push(v[j]);
        }
      }
      return;
    case "slice": {
      if (!Array.isArray(v)) return;
      const len = v.length;
      const norm = (n: number | undefined, d: number) => (n === undefined ? d : n < 0 ? Math.max(0, len + n) : Math.min(n, len));
      const s = norm(seg.start, 0);
      const e = norm(seg.end, len);
      const st = seg.step && seg.step > 0 ? seg.step : 1;
      for (let i = s; i < e; i += st) out.push(v[i]);
      return;
    }
    case "recursive":
      recurse(v, seg.name, out);
      return;
    case "filter": {
      const items = Array.isArray(v) ? v : isRecord(v) ? Object.values(v) : [];
      for (const it of items) if (matches(seg, it, root)) out.push(it);
      return;
    }
  }
}

function recurse(v: unknown, name: string | null, out: unknown[]): void {
  if (isRecord(v)) {
    if (name === null) out.push(...Object.values(v));
    else if (name in v) out.push(v[name]);
    for (const child of Object.values(v)) recurse(child, name, out);
  } else if (Array.isArray(v)) {
    if (name === null) out.push(...v);
    for (const child of v) recurse(child, name, out);
  }
}

function matches(seg: Extract<Segment, { t: "filter" }>, item: unknown, root: unknown): boolean {
  const found = walk(seg.path, [item], root);
  if (!seg.op) return found.length > 0;
  if (found.length === 0) return false;
  const a = found[0];
  const b = seg.value;
  switch (seg.op) {
    case "==":
      return a === b || String(a) === String(b);
    case "!=":
      return !(a === b || String(a) === String(b));
    case "<":
      return Number(a) < Number(b);
    case ">":
      return Number(a) > Number(b);
    case "<=":
      return Number(a) <= Number(b);
    case ">=":
      return Number(a) >= Number(b);
    default:
      return false;
  }
}
