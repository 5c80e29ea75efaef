/**
 * The default table of each kind: its lib printer (lib/printers, the same columns the API server
 * answers `as=Table` with), priority-0 columns by default and the others added by `-o wide`;
 * kinds without a printer get NAME AGE.
 */
import { cliPrinterFor } from "../../../lib/printers/index.js";
import { nameAgePrinter, type Printer } from "../../../lib/printers/printer.js";
import type { Columns } from "./types.js";

export type { Columns } from "./types.js";

/**
 * A printer as CLI columns. The wide columns go after the default ones (kubectl places some in
 * between, e.g. an event's SUBOBJECT before MESSAGE); kctl's tables have always appended them.
 */
function fromPrinter(p: Printer): Columns {
  const header = (n: string) => n.toUpperCase();
  const isDefault = p.columns.map((c) => c.priority === 0);
  return {
    headers: p.columns.filter((_, i) => isDefault[i]).map((c) => header(c.name)),
    wide: p.columns.filter((_, i) => !isDefault[i]).map((c) => header(c.name)),
    row: (obj, now, wide) => {
      const cells = p.cells(obj, now).map(String);
      return [...cells.filter((_, i) => isDefault[i]), ...(wide ? cells.filter((_, i) => !isDefault[i]) : [])];
    },
  };
}

/** The columns for a kind: its lib printer, else NAME AGE. */
export function columnsFor(kind: string): Columns {
  return fromPrinter(cliPrinterFor(kind) ?? nameAgePrinter);
}
