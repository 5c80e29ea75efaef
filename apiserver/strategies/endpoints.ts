/** Endpoints (v1): written by the endpoints controller; metadata validation and kubectl's columns. */
import { age, ageOf, arr, col, name, num } from "../../lib/printers/printer.js";
import type { Strategy } from "./strategy.js";

export const endpointsStrategy: Strategy = {
  nameRule: "subdomain",
  printer: {
    columns: [name, col("Endpoints"), age],
    cells: (o) => {
      const eps: string[] = [];
      for (const s of arr(o.subsets)) for (const a of arr(s.addresses)) for (const p of arr(s.ports)) eps.push(`${String(a.ip)}:${num(p.port)}`);
      return [o.metadata.name ?? "", eps.length ? eps.slice(0, 3).join(",") + (eps.length > 3 ? ` + ${eps.length - 3} more...` : "") : "<none>", ageOf(o)];
    },
  },
};
