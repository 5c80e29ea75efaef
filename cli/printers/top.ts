/**
 * `top` tables, as kubectl's metricsutil prints them (pure): cpu in millicores rounded up
 * (`250m`), memory in whole MiB rounded down (`12Mi`), percentages of the node's allocatable
 * truncated (`6%`); nodes without metrics get `<unknown>`.
 */
import type { NodeMetrics, PodMetrics, ResourceUsage } from "../../lib/metrics.js";
import { add, milliValue, parseQuantityOr, value, ZERO, type Quantity } from "../../lib/quantity.js";
import type { ResourceList } from "../../lib/types.js";

export const NODE_COLUMNS = ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"];
export const POD_COLUMNS = ["NAME", "CPU(cores)", "MEMORY(bytes)"];
const UNKNOWN = "<unknown>";

/** `250m`: millicores, rounded up as Quantity.MilliValue() does. */
export function cpuCell(q: Quantity): string {
  return `${milliValue(q)}m`;
}

/** `12Mi`: whole mebibytes, rounded down. */
export function memoryCell(q: Quantity): string {
  return `${Math.floor(value(q) / (1024 * 1024))}Mi`;
}

/** `6%`: usage over available, truncated; `0%` when nothing is available. */
export function percentCell(usage: Quantity, available: Quantity): string {
  const avail = milliValue(available);
  return `${avail === 0 ? 0 : Math.trunc((milliValue(usage) / avail) * 100)}%`;
}

/**
 * Node rows (no header), by name: usage and its share of each node's allocatable, then a row of
 * `<unknown>` for every listed node that has no metrics.
 */
export function nodeRows(metrics: readonly NodeMetrics[], allocatable: ReadonlyMap<string, ResourceList | undefined>): string[][] {
  const rows: string[][] = [];
  const seen = new Set<string>();
  for (const m of [...metrics].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))) {
    const name = m.metadata.name ?? "";
    seen.add(name);
    const cpu = parseQuantityOr(m.usage.cpu);
    const mem = parseQuantityOr(m.usage.memory);
    const avail = allocatable.get(name);
    if (!allocatable.has(name)) rows.push([name, cpuCell(cpu), memoryCell(mem)]);
    else rows.push([name, cpuCell(cpu), percentCell(cpu, parseQuantityOr(avail?.cpu)), memoryCell(mem), percentCell(mem, parseQuantityOr(avail?.memory))]);
  }
  for (const name of [...allocatable.keys()].sort()) if (!seen.has(name)) rows.push([name, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN]);
  return rows;
}

/** The header of the pod table. */
export function podHeader(o: { withNamespace: boolean; containers: boolean }): string[] {
  return [...(o.withNamespace ? ["NAMESPACE"] : []), ...(o.containers ? ["POD"] : []), ...POD_COLUMNS];
}

/** Pod rows (no header), by namespace then name: the containers' sum, or one row per container. */
export function podRows(metrics: readonly PodMetrics[], o: { withNamespace: boolean; containers: boolean }): string[][] {
  const sorted = [...metrics].sort(
    (a, b) => (o.withNamespace ? (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") : 0) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
  );
  const rows: string[][] = [];
  for (const m of sorted) {
    const ns = o.withNamespace ? [m.metadata.namespace ?? ""] : [];
    if (o.containers) {
      for (const c of [...m.containers].sort((a, b) => a.name.localeCompare(b.name))) rows.push([...ns, m.metadata.name ?? "", c.name, ...usageCells(c.usage)]);
    } else {
      let cpu = ZERO;
      let mem = ZERO;
      for (const c of m.containers) {
        cpu = add(cpu, parseQuantityOr(c.usage.cpu));
        mem = add(mem, parseQuantityOr(c.usage.memory));
      }
      rows.push([...ns, m.metadata.name ?? "", cpuCell(cpu), memoryCell(mem)]);
    }
  }
  return rows;
}

function usageCells(u: ResourceUsage): string[] {
  return [cpuCell(parseQuantityOr(u.cpu)), memoryCell(parseQuantityOr(u.memory))];
}
