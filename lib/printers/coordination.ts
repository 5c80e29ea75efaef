/** The columns of Leases, as kubectl shows them. */
import type { Lease } from "../types.js";
import { age, ageOf, col, name, type Printer } from "./printer.js";

/** NAME HOLDER AGE. */
export const leasePrinter: Printer = {
  columns: [name, col("Holder"), age],
  cells: (o, now) => [o.metadata.name ?? "", (o as Lease).spec?.holderIdentity ?? "", ageOf(o, now)],
};
