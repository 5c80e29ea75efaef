/**
 * The end of `describe node`, as kubectl prints it: each non-terminated pod's CPU and memory
 * requests and limits with their share of the node's allocatable, then the "Allocated resources"
 * totals (cpu, memory, ephemeral-storage, then hugepages and extended resources the node has).
 */
import { formatQuantity, milliValue, parseQuantityOr, value, ZERO, type Quantity } from "../../lib/quantity.js";
import { podLimits, podRequests, totalAmounts } from "../../lib/pod-resources.js";
import { since } from "../../lib/human-duration.js";
import type { Node, Pod } from "../../lib/types.js";
import type { DescribeWriter } from "./tabwriter.js";

/** Listed first (cpu, memory, ephemeral-storage) or never (pods): the rest are extended resources. */
const STANDARD = new Set(["cpu", "memory", "ephemeral-storage", "pods"]);

/** `q (N%)` of `alloc`: cpu compares millicores, the rest whole units; truncated; 0% of nothing. */
export function share(q: Quantity, alloc: Quantity, resource: string): string {
  const milli = resource === "cpu";
  const a = milli ? milliValue(alloc) : value(alloc);
  const u = milli ? milliValue(q) : value(q);
  return `${formatQuantity(q)} (${a === 0 ? 0 : Math.trunc((u / a) * 100)}%)`;
}

/** Write the "Non-terminated Pods" table and the "Allocated resources" block. */
export function describeNodeResources(w: DescribeWriter, node: Node, pods: readonly Pod[], now = Date.now()): void {
  const st = node.status ?? {};
  const allocatable = st.allocatable && Object.keys(st.allocatable).length > 0 ? st.allocatable : (st.capacity ?? {});
  const alloc = (r: string): Quantity => parseQuantityOr(allocatable[r]);
  w.line(0, `Non-terminated Pods:\t(${pods.length} in total)`);
  w.line(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge");
  w.line(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---");
  const reqs = pods.map(podRequests);
  const lims = pods.map(podLimits);
  pods.forEach((p, i) => {
    const cell = (m: Map<string, Quantity>, r: string): string => share(m.get(r) ?? ZERO, alloc(r), r);
    w.line(1, `${p.metadata.namespace}\t${p.metadata.name}\t\t${cell(reqs[i]!, "cpu")}\t${cell(lims[i]!, "cpu")}\t${cell(reqs[i]!, "memory")}\t${cell(lims[i]!, "memory")}\t${since(p.metadata.creationTimestamp, now)}`);
  });
  w.line(0, "Allocated resources:");
  w.line(0, "  (Total limits may be over 100 percent, i.e., overcommitted.)");
  w.line(1, "Resource\tRequests\tLimits");
  w.line(1, "--------\t--------\t------");
  const totalReq = totalAmounts(reqs);
  const totalLim = totalAmounts(lims);
  const row = (r: string): void => w.line(1, `${r}\t${share(totalReq.get(r) ?? ZERO, alloc(r), r)}\t${share(totalLim.get(r) ?? ZERO, alloc(r), r)}`);
  for (const r of ["cpu", "memory", "ephemeral-storage"]) row(r);
  const names = Object.keys(allocatable).sort();
  for (const r of names.filter((n) => n.startsWith("hugepages-"))) row(r);
  for (const r of names.filter((n) => !n.startsWith("hugepages-") && !STANDARD.has(n))) {
    w.line(1, `${r}\t${formatQuantity(totalReq.get(r) ?? ZERO)}\t${formatQuantity(totalLim.get(r) ?? ZERO)}`);
  }
}
