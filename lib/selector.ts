/**
 * Label and field selectors, parsed and matched exactly as Kubernetes does
 * (k8s.io/apimachinery/pkg/labels and pkg/fields).
 *
 * A selector string is compiled once into a {@link Selector}; `matches` then runs per object
 * (every object of a list or a watch of 10,000 pods) without allocating.
 */
import type { KObject, LabelSelector, Labels } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Label keys and values
// ---------------------------------------------------------------------------------------------

const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why `key` is not a valid label key (a qualified name: optional DNS-subdomain prefix and `/`,
 * then a name of at most 63 characters), or `undefined` if it is valid.
 */
export function labelKeyError(key: string): string | undefined {
  const slash = key.indexOf("/");
  let name = key;
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    name = key.slice(slash + 1);
    if (prefix.length === 0) return `invalid label key "${key}": prefix part must be non-empty`;
    if (prefix.length > 253) return `invalid label key "${key}": prefix part must be no more than 253 characters`;
    if (!DNS1123_SUBDOMAIN_RE.test(prefix)) {
      return `invalid label key "${key}": prefix part must be a lowercase RFC 1123 subdomain (e.g. 'example.com')`;
    }
    if (name.includes("/")) return `invalid label key "${key}": a qualified name must have at most one '/'`;
  }
  if (name.length === 0) return `invalid label key "${key}": name part must be non-empty`;
  if (name.length > 63) return `invalid label key "${key}": name part must be no more than 63 characters`;
  if (!NAME_RE.test(name)) {
    return (
      `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', ` +
      `and must start and end with an alphanumeric character`
    );
  }
  return undefined;
}

/** Why `value` is not a valid label value (empty, or at most 63 characters of `[-A-Za-z0-9_.]` starting and ending alphanumeric), or `undefined`. */
export function labelValueError(value: string): string | undefined {
  if (value.length > 63) return `invalid label value "${value}": must be no more than 63 characters`;
  if (!VALUE_RE.test(value)) {
    return (
      `invalid label value "${value}": a valid label must be an empty string or consist of alphanumeric characters, ` +
      `'-', '_' or '.', and must start and end with an alphanumeric character`
    );
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Requirements and the compiled selector
// ---------------------------------------------------------------------------------------------

/** Operators, spelled as Kubernetes' `selection.Operator`. */
export type Operator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

/** One requirement of a label selector; all requirements of a selector must hold (AND). */
export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** sorted, de-duplicated; empty for exists / `!` */
  readonly values: readonly string[];
}

/** A compiled label selector. */
export interface Selector {
  /** true when the selector has no requirements and so matches everything */
  readonly empty: boolean;
  readonly requirements: readonly Requirement[];
  /** Whether `labels` (absent labels count as none) satisfy every requirement. */
  matches(labels: Labels | undefined): boolean;
  /** The canonical string form (requirements sorted by key), parseable by {@link parseSelector}. */
  toString(): string;
}

// Numeric op codes keep the hot match loop a plain integer switch.
const OP_EQ = 0;
const OP_NE = 1;
const OP_IN = 2;
const OP_NOTIN = 3;
const OP_EXISTS = 4;
const OP_NOT_EXISTS = 5;
const OP_GT = 6;
const OP_LT = 7;

const OP_CODES: Record<Operator, number> = {
  "=": OP_EQ,
  "==": OP_EQ,
  "!=": OP_NE,
  in: OP_IN,
  notin: OP_NOTIN,
  exists: OP_EXISTS,
  "!": OP_NOT_EXISTS,
  gt: OP_GT,
  lt: OP_LT,
};

class CompiledRequirement implements Requirement {
  readonly code: number;
  readonly values: readonly string[];
  /** the single value of =, == and != */
  readonly value: string;
  /** the value set of in / notin */
  readonly set: ReadonlySet<string> | undefined;
  /** the integer of gt / lt */
  readonly num: number;

  constructor(
    readonly key: string,
    readonly operator: Operator,
    values: readonly string[],
  ) {
    this.code = OP_CODES[operator];
    this.values = [...new Set(values)].sort();
    this.value = this.values[0] ?? "";
    this.set = this.code === OP_IN || this.code === OP_NOTIN ? new Set(this.values) : undefined;
    this.num = this.code === OP_GT || this.code === OP_LT ? Number(this.value) : 0;
  }

  matches(labels: Labels | undefined): boolean {
    // typeof guards against inherited members such as `constructor` on a plain object.
    const v = labels === undefined ? undefined : labels[this.key];
    const has = typeof v === "string";
    switch (this.code) {
      case OP_EQ:
        return has && v === this.value;
      case OP_NE:
        return !has || v !== this.value;
      case OP_IN:
        return has && this.set!.has(v);
      case OP_NOTIN:
        return !has || !this.set!.has(v);
      case OP_EXISTS:
        return has;
      case OP_NOT_EXISTS:
        return !has;
      case OP_GT:
      case OP_LT: {
        if (!has || !INT_RE.test(v)) return false;
        const n = Number(v);
        return this.code === OP_GT ? n > this.num : n < this.num;
      }
      default:
        return false;
    }
  }

  toString(): string {
    switch (this.code) {
      case OP_EXISTS:
        return this.key;
      case OP_NOT_EXISTS:
        return `!${this.key}`;
      case OP_IN:
      case OP_NOTIN:
        return `${this.key} ${this.operator} (${this.values.join(",")})`;
      case OP_GT:
        return `${this.key}>${this.value}`;
      case OP_LT:
        return `${this.key}<${this.value}`;
      default:
        return `${this.key}${this.operator}${this.value}`;
    }
  }
}

const INT_RE = /^-?[0-9]+$/;

class CompiledSelector implements Selector {
  readonly empty: boolean;
  private readonly reqs: readonly CompiledRequirement[];
  private text: string | undefined;

  constructor(reqs: CompiledRequirement[]) {
    // Stable sort by key, as Kubernetes does, so equal selectors print the same.
    this.reqs = reqs.slice().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.empty = reqs.length === 0;
  }

  get requirements(): readonly Requirement[] {
    return this.reqs;
  }

  matches(labels: Labels | undefined): boolean {
    const reqs = this.reqs;
    for (let i = 0; i < reqs.length; i++) if (!reqs[i]!.matches(labels)) return false;
    return true;
  }

  toString(): string {
    if (this.text === undefined) this.text = this.reqs.map((r) => r.toString()).join(",");
    return this.text;
  }
}

/** Matches every object (the empty selector). */
export const EVERYTHING: Selector = new CompiledSelector([]);

/**
 * Matches no object: what a missing (`null`/`undefined`) LabelSelector means in Kubernetes.
 * It has no string form (`toString()` is `""` as in Kubernetes), so compare by identity.
 */
export const NOTHING: Selector = {
  empty: false,
  requirements: [],
  matches: () => false,
  toString: () => "",
};

/**
 * Build one requirement, validating it as Kubernetes' `NewRequirement` does.
 * @throws Error naming the bad key, value or operator
 */
export function newRequirement(key: string, operator: Operator, values: readonly string[] = []): Requirement {
  return compileRequirement(key, operator, values);
}

function compileRequirement(key: string, operator: Operator, values: readonly string[]): CompiledRequirement {
  const keyErr = labelKeyError(key);
  if (keyErr) throw new Error(`unable to parse requirement: ${keyErr}`);
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) {
        throw new Error(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty (key "${key}")`);
      }
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) {
        throw new Error(`unable to parse requirement: exact-match compatibility requires one single value (key "${key}")`);
      }
      break;
    case "exists":
    case "!":
      if (values.length !== 0) {
        throw new Error(`unable to parse requirement: values set must be empty for exists and does not exist (key "${key}")`);
      }
      break;
    case "gt":
    case "lt":
      if (values.length !== 1 || !INT_RE.test(values[0]!)) {
        throw new Error(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be a single integer (key "${key}")`);
      }
      return new CompiledRequirement(key, operator, values);
    default:
      throw new Error(`unable to parse requirement: "${String(operator)}" is not a valid label selector operator`);
  }
  for (const v of values) {
    const valErr = labelValueError(v);
    if (valErr) throw new Error(`unable to parse requirement: ${valErr} (key "${key}")`);
  }
  return new CompiledRequirement(key, operator, values);
}

/** A selector made of the given requirements (from {@link newRequirement}). */
export function selectorFromRequirements(reqs: readonly Requirement[]): Selector {
  if (reqs.length === 0) return EVERYTHING;
  return new CompiledSelector(
    reqs.map((r) => (r instanceof CompiledRequirement ? r : compileRequirement(r.key, r.operator, r.values))),
  );
}

// ---------------------------------------------------------------------------------------------
// Parsing label selector strings
// ---------------------------------------------------------------------------------------------

const enum Tok {
  Ident,
  Not, // !
  Eq, // =
  DoubleEq, // ==
  NotEq, // !=
  In,
  NotIn,
  Open, // (
  Close, // )
  Comma,
  Gt, // >
  Lt, // <
  End,
}

interface Token {
  tok: Tok;
  lit: string;
  pos: number;
}

function isWhitespace(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n";
}

function isSpecial(c: string): boolean {
  return c === "=" || c === "!" || c === "(" || c === ")" || c === "," || c === ">" || c === "<";
}

/** Split a selector into tokens the way Kubernetes' lexer does. */
function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (isSpecial(c)) {
      const two = input.slice(i, i + 2);
      if (two === "!=") out.push({ tok: Tok.NotEq, lit: two, pos });
      else if (two === "==") out.push({ tok: Tok.DoubleEq, lit: two, pos });
      if (two === "!=" || two === "==") {
        i += 2;
        continue;
      }
      const tok = c === "!" ? Tok.Not : c === "=" ? Tok.Eq : c === "(" ? Tok.Open : c === ")" ? Tok.Close : c === "," ? Tok.Comma : c === ">" ? Tok.Gt : Tok.Lt;
      out.push({ tok, lit: c, pos });
      i++;
      continue;
    }
    while (i < input.length && !isWhitespace(input[i]!) && !isSpecial(input[i]!)) i++;
    const lit = input.slice(pos, i);
    out.push({ tok: lit === "in" ? Tok.In : lit === "notin" ? Tok.NotIn : Tok.Ident, lit, pos });
  }
  out.push({ tok: Tok.End, lit: "", pos: input.length });
  return out;
}

class LabelParser {
  private readonly toks: Token[];
  private at = 0;

  constructor(private readonly input: string) {
    this.toks = lex(input);
  }

  private peek(valueMode = false): Token {
    return this.asValue(this.toks[this.at]!, valueMode);
  }

  private next(valueMode = false): Token {
    const t = this.toks[this.at]!;
    if (t.tok !== Tok.End) this.at++;
    return this.asValue(t, valueMode);
  }

  /** In value position the keywords `in` and `notin` are plain identifiers (`env=in` is fine). */
  private asValue(t: Token, valueMode: boolean): Token {
    if (valueMode && (t.tok === Tok.In || t.tok === Tok.NotIn)) return { tok: Tok.Ident, lit: t.lit, pos: t.pos };
    return t;
  }

  private fail(t: Token, expected: string): never {
    const found = t.tok === Tok.End ? "" : t.lit;
    throw new Error(
      `unable to parse requirement: found '${found}', expected: ${expected} (at position ${t.pos} of selector "${this.input}")`,
    );
  }

  parse(): CompiledRequirement[] {
    const reqs: CompiledRequirement[] = [];
    for (;;) {
      const t = this.peek(true);
      if (t.tok === Tok.End) return reqs;
      if (t.tok !== Tok.Ident && t.tok !== Tok.Not) this.fail(t, "!, identifier, or 'end of string'");
      reqs.push(this.requirement());
      const after = this.next();
      if (after.tok === Tok.End) return reqs;
      if (after.tok !== Tok.Comma) this.fail(after, "',' or 'end of string'");
      const following = this.peek(true);
      if (following.tok !== Tok.Ident && following.tok !== Tok.Not) this.fail(following, "identifier after ','");
    }
  }

  private requirement(): CompiledRequirement {
    let t = this.next(true);
    let notExists = false;
    if (t.tok === Tok.Not) {
      notExists = true;
      t = this.next(true);
    }
    if (t.tok !== Tok.Ident) this.fail(t, "identifier");
    const key = t.lit;
    const la = this.peek();
    if (notExists) return compileRequirement(key, "!", []);
    if (la.tok === Tok.End || la.tok === Tok.Comma) return compileRequirement(key, "exists", []);

    const op = this.next();
    switch (op.tok) {
      case Tok.In:
        return compileRequirement(key, "in", this.valueSet());
      case Tok.NotIn:
        return compileRequirement(key, "notin", this.valueSet());
      case Tok.Eq:
        return compileRequirement(key, "=", [this.exactValue()]);
      case Tok.DoubleEq:
        return compileRequirement(key, "==", [this.exactValue()]);
      case Tok.NotEq:
        return compileRequirement(key, "!=", [this.exactValue()]);
      case Tok.Gt:
        return compileRequirement(key, "gt", [this.exactValue()]);
      case Tok.Lt:
        return compileRequirement(key, "lt", [this.exactValue()]);
      default:
        return this.fail(op, "'=', '==', '!=', 'in', 'notin', '>' or '<'");
    }
  }

  /** The value after =, ==, !=, > or <; nothing before `,` or the end means the empty value. */
  private exactValue(): string {
    const la = this.peek(true);
    if (la.tok === Tok.End || la.tok === Tok.Comma) return "";
    const t = this.next(true);
    if (t.tok !== Tok.Ident) this.fail(t, "identifier");
    return t.lit;
  }

  /** `( a, b, ... )`; empty entries such as `(a,)` are the empty value, as in Kubernetes. */
  private valueSet(): string[] {
    const open = this.next();
    if (open.tok !== Tok.Open) this.fail(open, "'('");
    const la = this.peek(true);
    if (la.tok === Tok.Close) {
      this.next();
      return [];
    }
    if (la.tok !== Tok.Ident && la.tok !== Tok.Comma) this.fail(la, "',', ')' or identifier");
    const values: string[] = [];
    for (;;) {
      const t = this.next(true);
      if (t.tok === Tok.Ident) {
        values.push(t.lit);
        const after = this.peek(true);
        if (after.tok === Tok.Comma) {
          this.next();
          const again = this.peek(true);
          if (again.tok === Tok.Close) {
            values.push("");
            this.next();
            return values;
          }
          continue;
        }
        if (after.tok === Tok.Close) {
          this.next();
          return values;
        }
        this.fail(after, "',' or ')'");
      } else if (t.tok === Tok.Comma) {
        // a leading or doubled comma stands for the empty value
        values.push("");
        const after = this.peek(true);
        if (after.tok === Tok.Close) {
          values.push("");
          this.next();
          return values;
        }
      } else {
        this.fail(t, "',', or identifier");
      }
    }
  }
}

/**
 * Parse a label selector string: `app=web`, `app==web`, `tier!=db`, `env in (a,b)`,
 * `env notin (a, b)`, `key`, `!key`, `n>1`, `n<9`, joined by `,` (AND). The empty string selects
 * everything.
 * @throws Error `unable to parse requirement: ...` naming the problem and where it is
 */
export function parseSelector(s: string): Selector {
  const reqs = new LabelParser(s).parse();
  return reqs.length === 0 ? EVERYTHING : new CompiledSelector(reqs);
}

/** Whether `s` parses as a label selector. */
export function isValidSelector(s: string): boolean {
  try {
    parseSelector(s);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------------

const EXPRESSION_OPS: Record<string, Operator> = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" };

/**
 * Compile a `LabelSelector` (matchLabels AND matchExpressions), validating it as Kubernetes'
 * `LabelSelectorAsSelector` does. `{}` selects everything; `null`/`undefined` selects nothing
 * ({@link NOTHING}).
 * @throws Error naming the bad key, value or operator
 */
export function selectorFromLabelSelector(ls: LabelSelector | null | undefined): Selector {
  if (ls === null || ls === undefined) return NOTHING;
  const reqs: CompiledRequirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push(compileRequirement(k, "=", [v]));
  for (const e of ls.matchExpressions ?? []) {
    const op = EXPRESSION_OPS[e.operator];
    if (op === undefined) throw new Error(`unable to parse requirement: "${e.operator}" is not a valid label selector operator`);
    reqs.push(compileRequirement(e.key, op, e.values ?? []));
  }
  return reqs.length === 0 ? EVERYTHING : new CompiledSelector(reqs);
}

/**
 * The selector string of a `LabelSelector` (`app=web,env in (a,b)`), for `?labelSelector=` and
 * for the scale subresource's `status.selector`. `{}` gives `""` (everything).
 * @throws Error if the selector is invalid
 */
export function labelSelectorToString(ls: LabelSelector): string {
  return selectorFromLabelSelector(ls).toString();
}

/**
 * A selector requiring every `key=value` of `labels` (a Service's `spec.selector`, a
 * `nodeSelector`). Not validated: the labels come from stored, already validated objects.
 * An empty or missing set selects everything.
 */
export function selectorFromSet(labels: Labels | undefined): Selector {
  const keys = labels ? Object.keys(labels) : [];
  if (keys.length === 0) return EVERYTHING;
  return new CompiledSelector(keys.map((k) => new CompiledRequirement(k, "=", [labels![k]!])));
}

/** Whether every `key=value` of `set` is in `labels` (a cheaper `selectorFromSet(set).matches(labels)`). */
export function labelsContain(labels: Labels | undefined, set: Labels): boolean {
  for (const k in set) {
    if (!Object.hasOwn(set, k)) continue;
    const v = labels === undefined ? undefined : labels[k];
    if (typeof v !== "string" || v !== set[k]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------------------------

/** One term of a field selector: `metadata.name=x`, `status.phase==Running`, `spec.nodeName!=`. */
export interface FieldRequirement {
  /** the dotted path, e.g. `spec.nodeName` */
  readonly field: string;
  readonly operator: "=" | "==" | "!=";
  /** `""` means empty or unset */
  readonly value: string;
  /** `field` split on `.`, compiled once */
  readonly path: readonly string[];
}

/**
 * Parse a field selector as Kubernetes' `fields.ParseSelector` does: terms joined by `,`, each
 * `field=value`, `field==value` or `field!=value`; `\` escapes `,`, `=` and `\` in values.
 * The empty string selects everything (no requirements).
 * @throws Error `invalid field selector: ...` naming the term it cannot understand
 */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(s)) {
    if (term === "") continue;
    const parts = splitTerm(term);
    if (!parts) throw new Error(`invalid field selector: '${s}'; can't understand '${term}'`);
    const [field, operator, raw] = parts;
    if (field === "") throw new Error(`invalid field selector: '${s}'; field name missing in '${term}'`);
    reqs.push({ field, operator, value: unescapeFieldValue(raw, s), path: field.split(".") });
  }
  return reqs;
}

/** Split on commas not escaped by `\`. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** Split one term at its first unescaped operator, trying `!=` and `==` before `=`. */
function splitTerm(term: string): [string, "=" | "==" | "!=", string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === "\\") {
      i++;
      continue;
    }
    if (term.startsWith("!=", i)) return [term.slice(0, i), "!=", term.slice(i + 2)];
    if (term.startsWith("==", i)) return [term.slice(0, i), "==", term.slice(i + 2)];
    if (term[i] === "=") return [term.slice(0, i), "=", term.slice(i + 1)];
  }
  return undefined;
}

function unescapeFieldValue(v: string, whole: string): string {
  if (!v.includes("\\")) {
    if (v.includes(",") || v.includes("=")) throw new Error(`invalid field selector: '${whole}'; unescaped '=' or ',' in value '${v}'`);
    return v;
  }
  let out = "";
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === "\\") {
      const n = v[i + 1];
      if (n !== "\\" && n !== "," && n !== "=") {
        throw new Error(`invalid field selector: '${whole}'; invalid escape sequence in value '${v}'`);
      }
      out += n;
      i++;
    } else if (c === "," || c === "=") {
      throw new Error(`invalid field selector: '${whole}'; unescaped '=' or ',' in value '${v}'`);
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * The value at a dotted path of an object as a field selector sees it: strings as they are,
 * numbers and booleans as text, anything missing (or an object/array) as `""`.
 */
export function fieldValue(obj: unknown, path: readonly string[]): string {
  let cur: unknown = obj;
  for (let i = 0; i < path.length; i++) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Record<string, unknown>)[path[i]!];
  }
  if (typeof cur === "string") return cur;
  if (typeof cur === "number" || typeof cur === "boolean") return String(cur);
  return "";
}

/** Whether `obj` satisfies every field requirement (no requirements: true). */
export function matchesFields(obj: KObject, reqs: readonly FieldRequirement[]): boolean {
  for (let i = 0; i < reqs.length; i++) {
    const r = reqs[i]!;
    const v = fieldValue(obj, r.path);
    if (r.operator === "!=" ? v === r.value : v !== r.value) return false;
  }
  return true;
}

/** The canonical string of field requirements (values re-escaped). */
export function fieldSelectorToString(reqs: readonly FieldRequirement[]): string {
  return reqs.map((r) => `${r.field}${r.operator}${r.value.replace(/[\\,=]/g, (c) => `\\${c}`)}`).join(",");
}
