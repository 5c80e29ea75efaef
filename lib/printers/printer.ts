/**
 * Table printing helpers: a kind's `printer` (the columns `kubectl get` shows against
 * Kubernetes) is written with these. The API server turns it into a meta.k8s.io/v1 Table
 * (apiserver/routes/table.ts) and the CLI prints it (cli/printers/columns), so a kind's columns
 * are declared once. A kind without a printer gets Name + Age.
 */
import { since } from "../human-duration.js";
import { labelSelectorToString, selectorFromSet } from "../selector.js";
import type { KObject, LabelSelector, Labels } from "../types.js";

/** A Table column, as meta.k8s.io/v1 defines it. */
export interface Column {
  name: string;
  type: "string" | "integer" | "date";
  format?: string;
  priority: number;
}

export type Cell = string | number;
/** A kind's columns and how to fill them for one object (`kubectl get`); `now` for the Age column (default: the clock). */
export type Printer = { columns: Column[]; cells: (o: KObject, now?: number) => Cell[] };

export const name: Column = { name: "Name", type: "string", format: "name", priority: 0 };
export const age: Column = { name: "Age", type: "string", priority: 0 };
export const col = (n: string, priority = 0, type: Column["type"] = "string"): Column => ({ name: n, type, priority });

export function ageOf(o: KObject, now?: number): string {
  return since(o.metadata.creationTimestamp, now);
}

/** NAME AGE: the table of a kind without a printer. */
export const nameAgePrinter: Printer = { columns: [name, age], cells: (o, now) => [o.metadata.name ?? "", ageOf(o, now)] };

export type Rec = Record<string, unknown>;
export const rec = (v: unknown): Rec => (typeof v === "object" && v !== null ? (v as Rec) : {});
export const arr = (v: unknown): Rec[] => (Array.isArray(v) ? (v as Rec[]) : []);
export const num = (v: unknown): number => (typeof v === "number" ? v : 0);

/** The CONTAINERS and IMAGES cells of a pod spec (a workload's template): names and images, comma-joined. */
export function containersOf(podSpec: unknown): { names: string; images: string } {
  const cs = arr(rec(podSpec).containers);
  return { names: cs.map((c) => String(c.name ?? "")).join(","), images: cs.map((c) => String(c.image ?? "")).join(",") };
}

/** A workload's SELECTOR cell, as kubectl's FormatLabelSelector: requirements sorted by key, `<none>` when empty. */
export function labelSelectorCell(sel: LabelSelector | undefined): string {
  if (!sel) return "<none>";
  try {
    return labelSelectorToString(sel) || "<none>";
  } catch {
    return "<error>";
  }
}

/** A Service's SELECTOR cell, as kubectl's FormatLabels: `key=value` sorted by key, `<none>` when empty. */
export function labelsCell(labels: Labels | undefined): string {
  return selectorFromSet(labels).toString() || "<none>";
}
