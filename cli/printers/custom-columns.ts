/** `-o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName` */
import type { KObject } from "../../lib/types.js";
import { evaluatePath, JsonPathError, valueText } from "./jsonpath.js";

export interface CustomColumn {
  header: string;
  path: string;
}

/** Parse the `HEADER:path,...` spec. */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (!spec.trim()) throw new JsonPathError("custom-columns format specified but no custom columns given");
  return spec.split(",").map((part) => {
    const i = part.indexOf(":");
    if (i <= 0) throw new JsonPathError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    return { header: part.slice(0, i), path: part.slice(i + 1) };
  });
}

/** Rows (header first unless `noHeaders`) for the objects. Missing values print `<none>`. */
export function customColumnRows(objs: KObject[], cols: CustomColumn[], noHeaders: boolean): string[][] {
  const rows: string[][] = noHeaders ? [] : [cols.map((c) => c.header)];
  for (const o of objs) {
    rows.push(
      cols.map((c) => {
        const vals = evaluatePath(c.path, o);
        return vals.length ? vals.map(valueText).join(",") : "<none>";
      }),
    );
  }
  return rows;
}
