/** ConfigMaps: keys are config keys, values strings. */
import type { ConfigMap } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import { configMapPrinter } from "../../lib/printers/config.js";
import type { Strategy } from "./strategy.js";

const KEY_RE = /^[-._a-zA-Z0-9]+$/;

export const configMapStrategy: Strategy = {
  nameRule: "subdomain",
  printer: configMapPrinter,
  validate(obj, _old, errs): void {
    const cm = obj as ConfigMap;
    for (const field of ["data", "binaryData"] as const) {
      const d = cm[field];
      if (d === undefined) continue;
      if (!isRecord(d)) {
        errs.add(field, "must be a map of string keys to string values");
        continue;
      }
      for (const [k, v] of Object.entries(d)) {
        if (!KEY_RE.test(k) || k.length > 253) errs.add(`${field}[${k}]`, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
        if (typeof v !== "string") errs.add(`${field}[${k}]`, "must be a string");
      }
    }
  },
};
