/** JSON Patch (RFC 6902) with JSON Pointers (RFC 6901). */
import { badRequest, ApiError } from "../../lib/errors.js";
import { deepEqual } from "../../lib/json.js";

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

/** Parse `/a/b~1c/0` into tokens. @throws 400 on a malformed pointer */
export function parsePointer(p: string): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw badRequest(`invalid JSON pointer "${p}"`);
  return p.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function fail(message: string): ApiError {
  // Kubernetes answers a patch that cannot apply with 422 (or 500 for some); 422 names the cause.
  return new ApiError("Invalid", `the server rejected our request due to an error in our request: ${message}`);
}

/** Walk to the parent of the last token. */
function parentOf(doc: unknown, tokens: string[], path: string): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length - 1, path)];
    else if (typeof cur === "object" && cur !== null && Object.hasOwn(cur, t)) cur = (cur as Record<string, unknown>)[t];
    else throw fail(`path "${path}" does not exist`);
  }
  if (typeof cur !== "object" || cur === null) throw fail(`path "${path}" does not exist`);
  return { parent: cur as Container, key: tokens[tokens.length - 1]! };
}

function arrayIndex(t: string, max: number, path: string): number {
  if (!/^(0|[1-9]\d*)$/.test(t)) throw fail(`invalid array index "${t}" in "${path}"`);
  const n = Number(t);
  if (n > max) throw fail(`array index ${n} out of range in "${path}"`);
  return n;
}

function getAt(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length - 1, path)];
    else if (typeof cur === "object" && cur !== null && Object.hasOwn(cur, t)) cur = (cur as Record<string, unknown>)[t];
    else throw fail(`path "${path}" does not exist`);
  }
  return cur;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : arrayIndex(key, parent.length, path);
    parent.splice(i, 0, value);
  } else {
    if (key === "__proto__") throw fail("invalid key __proto__");
    parent[key] = value;
  }
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw fail("cannot remove the whole document");
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length - 1, path), 1);
  else {
    if (!Object.hasOwn(parent, key)) throw fail(`path "${path}" does not exist`);
    delete parent[key];
  }
  return doc;
}

/** Apply a JSON Patch document; returns the new value (the input is not modified). */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest("a JSON patch must be an array of operations");
  let doc = clone(target);
  for (const raw of patch) {
    if (typeof raw !== "object" || raw === null || typeof (raw as Operation).op !== "string" || typeof (raw as Operation).path !== "string") {
      throw badRequest("each JSON patch operation needs string `op` and `path`");
    }
    const op = raw as Operation;
    switch (op.op) {
      case "add":
        if (!("value" in op)) throw badRequest(`"add" operation at ${op.path} has no value`);
        doc = add(doc, op.path, clone(op.value));
        break;
      case "remove":
        doc = remove(doc, op.path);
        break;
      case "replace":
        if (!("value" in op)) throw badRequest(`"replace" operation at ${op.path} has no value`);
        getAt(doc, op.path);
        doc = parsePointer(op.path).length === 0 ? clone(op.value) : add(remove(doc, op.path), op.path, clone(op.value));
        break;
      case "move": {
        if (typeof op.from !== "string") throw badRequest(`"move" operation needs "from"`);
        if (op.path.startsWith(`${op.from}/`)) throw fail(`cannot move "${op.from}" into its own child`);
        const v = getAt(doc, op.from);
        doc = add(remove(doc, op.from), op.path, v);
        break;
      }
      case "copy": {
        if (typeof op.from !== "string") throw badRequest(`"copy" operation needs "from"`);
        doc = add(doc, op.path, clone(getAt(doc, op.from)));
        break;
      }
      case "test":
        if (!deepEqual(getAt(doc, op.path), op.value)) throw fail(`test operation at "${op.path}" failed`);
        break;
      default:
        throw badRequest(`unknown JSON patch operation "${op.op}"`);
    }
  }
  return doc;
}
