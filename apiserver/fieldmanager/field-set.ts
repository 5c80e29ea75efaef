/**
 * A set of field paths in Kubernetes' `FieldsV1` shape (structured-merge-diff's trie): `f:name`
 * for a field or map key, `k:{"name":"web"}` for a keyed list element, `v:"x"` for a set value,
 * `.` marking that an element with children is itself a member. Used for the owners of each
 * field in `metadata.managedFields`.
 */

/** One node of the trie: member children (leaves or marked) and children with members below. */
export class FieldSet {
  /** path elements that are members at this level */
  readonly members = new Set<string>();
  /** path elements with members below */
  readonly children = new Map<string, FieldSet>();

  /** The child set for `pe`, created if absent. */
  child(pe: string): FieldSet {
    let c = this.children.get(pe);
    if (!c) this.children.set(pe, (c = new FieldSet()));
    return c;
  }

  get empty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  /** Is the path (a list of path elements) a member? */
  has(path: readonly string[]): boolean {
    let cur: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && cur; i++) cur = cur.children.get(path[i]!);
    return !!cur && path.length > 0 && cur.members.has(path[path.length - 1]!);
  }

  /** Add a member path. */
  add(path: readonly string[]): void {
    let cur: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) cur = cur.child(path[i]!);
    cur.members.add(path[path.length - 1]!);
  }

  /** Every member path, depth first. */
  paths(prefix: string[] = [], out: string[][] = []): string[][] {
    const keys = new Set([...this.members, ...this.children.keys()]);
    for (const k of [...keys].sort()) {
      if (this.members.has(k)) out.push([...prefix, k]);
      this.children.get(k)?.paths([...prefix, k], out);
    }
    return out;
  }

  /** Members of this set that are not in `other`. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      const d = o ? c.difference(o) : c.clone();
      if (!d.empty) out.children.set(k, d);
    }
    return out;
  }

  /** Members in both sets. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.empty) out.children.set(k, i);
    }
    return out;
  }

  /** Members in either set. */
  union(other: FieldSet): FieldSet {
    const out = this.clone();
    for (const m of other.members) out.members.add(m);
    for (const [k, c] of other.children) {
      const mine = out.children.get(k);
      out.children.set(k, mine ? mine.union(c) : c.clone());
    }
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [k, c] of this.children) out.children.set(k, c.clone());
    return out;
  }

  /** The `fieldsV1` JSON object. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys = new Set([...this.members, ...this.children.keys()]);
    for (const k of [...keys].sort()) {
      const c = this.children.get(k);
      if (!c) out[k] = {};
      else out[k] = this.members.has(k) ? { ".": {}, ...c.toJSON() } : c.toJSON();
    }
    return out;
  }

  /**
   * Parse a `fieldsV1` object; throws an Error naming what is wrong (the API answers it as a
   * 400 for a managedFields entry that does not parse).
   */
  static fromJSON(v: unknown, where = "fieldsV1"): FieldSet {
    const out = new FieldSet();
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${where}: must be an object`);
    for (const [k, c] of Object.entries(v as Record<string, unknown>)) {
      if (k === ".") continue;
      if (!/^[fkvi]:/.test(k)) throw new Error(`${where}: unexpected key "${k}" (path elements start with f:, k:, v: or i:)`);
      if (k.startsWith("k:") || k.startsWith("v:")) {
        try {
          JSON.parse(k.slice(2));
        } catch {
          throw new Error(`${where}: ${k.slice(0, 2)} element is not valid JSON: ${k}`);
        }
      }
      if (typeof c !== "object" || c === null || Array.isArray(c)) throw new Error(`${where}: value of "${k}" must be an object`);
      const entries = Object.keys(c);
      if (entries.length === 0 || entries.includes(".")) out.members.add(k);
      if (entries.some((e) => e !== ".")) out.children.set(k, FieldSet.fromJSON(c, `${where}.${k}`));
    }
    return out;
  }
}

/** A path as Kubernetes prints it in conflicts: `.spec.containers[name="web"].image`. */
export function pathString(path: readonly string[]): string {
  let s = "";
  for (const pe of path) {
    const body = pe.slice(2);
    if (pe.startsWith("f:")) s += `.${body}`;
    else if (pe.startsWith("k:")) {
      const keys = JSON.parse(body) as Record<string, unknown>;
      s += `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
    } else if (pe.startsWith("v:")) s += `[=${body}]`;
    else s += `[${body}]`;
  }
  return s;
}
