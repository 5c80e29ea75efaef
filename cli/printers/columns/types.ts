/** A kind's default table: headers (plus `-o wide` extras) and a row function. */
import type { KObject } from "../../../lib/types.js";

export interface Columns {
  headers: string[];
  /** extra headers appended for `-o wide` */
  wide: string[];
  /** cells for one object (the NAME cell first); `wide` adds the extra cells */
  row(obj: KObject, now: number, wide: boolean): string[];
}
