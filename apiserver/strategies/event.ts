/** Events (v1): counts are int32 and never negative; the involved object is named. */
import { isRecord } from "../validation/field-errors.js";
import { eventPrinter } from "../../lib/printers/event.js";
import type { Strategy } from "./strategy.js";

export const eventStrategy: Strategy = {
  nameRule: "subdomain",
  printer: eventPrinter,
  validate(obj, _old, errs): void {
    const e = obj as Record<string, unknown>;
    errs.nonNegativeInt("count", e.count, "int32");
    if (e.involvedObject !== undefined && !isRecord(e.involvedObject)) errs.add("involvedObject", "must be an object");
    errs.oneOf("type", e.type, ["Normal", "Warning"]);
    if (isRecord(e.series)) errs.nonNegativeInt("series.count", e.series.count, "int32");
  },
};
