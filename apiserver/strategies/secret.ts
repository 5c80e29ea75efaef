/** Secrets: `stringData` is merged into base64 `data` and never stored; type defaults to Opaque. */
import type { KObject, Secret } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import { secretPrinter } from "../../lib/printers/config.js";
import type { Strategy } from "./strategy.js";

const KEY_RE = /^[-._a-zA-Z0-9]+$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

export const secretStrategy: Strategy = {
  nameRule: "subdomain",
  printer: secretPrinter,
  normalize(obj: KObject): void {
    const s = obj as Secret;
    if (isRecord(s.stringData)) {
      s.data = isRecord(s.data) ? s.data : {};
      for (const [k, v] of Object.entries(s.stringData)) if (typeof v === "string") s.data[k] = Buffer.from(v, "utf8").toString("base64");
    }
    delete s.stringData;
  },
  defaults(obj: KObject): void {
    (obj as Secret).type ??= "Opaque";
  },
  validate(obj, _old, errs): void {
    const s = obj as Secret;
    if (s.data === undefined) return;
    if (!isRecord(s.data)) return errs.add("data", "must be a map of keys to base64 strings");
    for (const [k, v] of Object.entries(s.data)) {
      if (!KEY_RE.test(k) || k.length > 253) errs.add(`data[${k}]`, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
      if (typeof v !== "string" || v.length % 4 !== 0 || !BASE64_RE.test(v)) errs.add(`data[${k}]`, "must be base64-encoded");
    }
  },
};
