/** Sections shared by every describer: metadata, labels/annotations, conditions, events. */
import type { ApiClient } from "../../lib/client.js";
import type { Event, KObject } from "../../lib/types.js";
import { since } from "../../lib/human-duration.js";
import type { DescribeWriter } from "./tabwriter.js";

/** `Mon, 02 Jan 2006 15:04:05 +0000` (kubectl's RFC 1123Z, in UTC). */
export function describeTime(ts: string | undefined | null): string {
  if (!ts) return "<unset>";
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** `Labels:  a=b` then one per line, aligned; `<none>` when empty. */
export function mapLines(w: DescribeWriter, level: number, title: string, m: Record<string, string> | undefined, skip: (k: string) => boolean = () => false): void {
  const keys = Object.keys(m ?? {}).filter((k) => !skip(k)).sort();
  if (keys.length === 0) {
    w.line(level, `${title}:\t<none>`);
    return;
  }
  keys.forEach((k, i) => {
    let v = (m as Record<string, string>)[k];
    if (v.length > 200) v = `${v.slice(0, 200)}...`;
    v = v.replace(/\n$/, "").replace(/\n/g, "\\n");
    w.line(level, `${i === 0 ? `${title}:` : ""}\t${k}=${v}`);
  });
}

/** Name, Namespace, Labels, Annotations (and CreationTimestamp when asked). */
export function metaLines(w: DescribeWriter, obj: KObject, opts: { name?: boolean; namespace?: boolean; created?: boolean } = {}): void {
  if (opts.name !== false) w.line(0, `Name:\t${obj.metadata.name ?? ""}`);
  if (opts.namespace !== false && obj.metadata.namespace !== undefined) w.line(0, `Namespace:\t${obj.metadata.namespace}`);
  if (opts.created) w.line(0, `CreationTimestamp:\t${describeTime(obj.metadata.creationTimestamp)}`);
  mapLines(w, 0, "Labels", obj.metadata.labels);
  mapLines(w, 0, "Annotations", obj.metadata.annotations, (k) => k === "kubectl.kubernetes.io/last-applied-configuration");
}

/** `Controlled By:  ReplicaSet/web-abc` */
export function controlledBy(w: DescribeWriter, obj: KObject): void {
  const owner = obj.metadata.ownerReferences?.find((o) => o.controller);
  if (owner) w.line(0, `Controlled By:\t${owner.kind}/${owner.name}`);
}

/** A conditions table with the given columns. */
export function conditionsTable(w: DescribeWriter, conds: Record<string, unknown>[] | undefined, cols: string[] = ["Type", "Status"]): void {
  if (!conds?.length) return;
  w.line(0, "Conditions:");
  w.line(1, cols.join("\t"));
  w.line(1, cols.map((c) => "-".repeat(c.length)).join("\t"));
  for (const c of conds) w.line(1, cols.map((k) => String(c[k.charAt(0).toLowerCase() + k.slice(1)] ?? "")).join("\t"));
}

/** The object's events, oldest first (by last timestamp). */
export async function fetchEvents(client: ApiClient, obj: KObject): Promise<Event[]> {
  const sel = [`involvedObject.name=${obj.metadata.name}`];
  if (obj.metadata.namespace) sel.push(`involvedObject.namespace=${obj.metadata.namespace}`);
  if (obj.metadata.uid) sel.push(`involvedObject.uid=${obj.metadata.uid}`);
  const list = await client.list<Event>("Event", { namespace: obj.metadata.namespace ?? "default", fieldSelector: sel.join(",") });
  const t = (e: Event) => Date.parse(e.lastTimestamp || e.eventTime || e.firstTimestamp || e.metadata.creationTimestamp || "") || 0;
  return [...list.items].sort((a, b) => t(a) - t(b));
}

/** The Events section (`Events:  <none>` when empty). */
export function eventsSection(w: DescribeWriter, events: Event[] | undefined, now = Date.now()): void {
  if (events === undefined) return;
  if (events.length === 0) {
    w.line(0, "Events:\t<none>");
    return;
  }
  w.line(0, "Events:");
  w.line(1, "Type\tReason\tAge\tFrom\tMessage");
  w.line(1, "----\t------\t----\t----\t-------");
  for (const e of events) {
    const first = since(e.firstTimestamp || e.eventTime || e.metadata.creationTimestamp, now);
    const last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
    const age = (e.count ?? 0) > 1 ? `${last} (x${e.count} over ${first})` : last;
    const from = e.source?.component ? (e.source.host ? `${e.source.component}, ${e.source.host}` : e.source.component) : e.reportingComponent ?? "";
    w.line(1, `${e.type ?? ""}\t${e.reason ?? ""}\t${age}\t${from}\t${(e.message ?? "").trim()}`);
  }
}
