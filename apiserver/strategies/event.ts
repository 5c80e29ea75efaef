/** Events (v1): counts are int32 and never negative; the involved object is named. */
import { isRecord } from "../validation/field-errors.js";
import { col, name, rec } from "../../lib/printers/printer.js";
import { since } from "../../lib/human-duration.js";
import type { Strategy } from "./strategy.js";

export const eventStrategy: Strategy = {
  nameRule: "subdomain",
  printer: {
    columns: [col("Last Seen"), col("Type"), col("Reason"), col("Object"), col("Message"), name],
    cells: (o) => {
      const io = rec(o.involvedObject);
      const last = String(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp ?? "");
      return [since(last), String(o.type ?? ""), String(o.reason ?? ""), `${String(io.kind ?? "").toLowerCase()}/${String(io.name ?? "")}`, String(o.message ?? ""), o.metadata.name ?? ""];
    },
  },
  validate(obj, _old, errs): void {
    const e = obj as Record<string, unknown>;
    errs.nonNegativeInt("count", e.count, "int32");
    if (e.involvedObject !== undefined && !isRecord(e.involvedObject)) errs.add("involvedObject", "must be an object");
    errs.oneOf("type", e.type, ["Normal", "Warning"]);
    if (isRecord(e.series)) errs.nonNegativeInt("series.count", e.series.count, "int32");
  },
};
