/**
 * The columns of Events: kubectl's (printEvent) for the API server's Table, and kctl get's, which
 * are the same but for LAST SEEN of a repeated event.
 */
import { since } from "../human-duration.js";
import type { Event } from "../types.js";
import { col, type Printer } from "./printer.js";

/** FIRST SEEN: the first occurrence (eventTime for events.k8s.io-style events, else creation). */
function firstSeen(ev: Event, now?: number): string {
  return since(ev.firstTimestamp || ev.eventTime || ev.metadata.creationTimestamp, now);
}

/** LAST SEEN as kubectl get prints it: the last occurrence, or the first for a single one. */
function lastSeen(ev: Event, now?: number): string {
  return ev.lastTimestamp ? since(ev.lastTimestamp, now) : firstSeen(ev, now);
}

/** `pod/web-1`, or the bare kind for an event about no named object. */
function eventObject(ev: Event): string {
  const kind = (ev.involvedObject?.kind ?? "").toLowerCase();
  return ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
}

/** SOURCE: `kubelet, node-1`, or the reporting component. */
function eventSource(ev: Event): string {
  if (!ev.source?.component) return ev.reportingComponent ?? "";
  return ev.source.host ? `${ev.source.component}, ${ev.source.host}` : ev.source.component;
}

/**
 * LAST SEEN TYPE REASON OBJECT MESSAGE (wide, between and after them as in kubectl: SUBOBJECT
 * SOURCE, FIRST SEEN COUNT NAME). The CLI prints the wide columns after the default ones.
 */
export const eventPrinter: Printer = {
  columns: [
    col("Last Seen"), col("Type"), col("Reason"), col("Object"), col("Subobject", 1), col("Source", 1),
    col("Message"), col("First Seen", 1), col("Count", 1, "integer"), col("Name", 1),
  ],
  cells: (o, now) => {
    const ev = o as Event;
    return [
      lastSeen(ev, now), ev.type ?? "", ev.reason ?? "", eventObject(ev), ev.involvedObject?.fieldPath ?? "", eventSource(ev),
      (ev.message ?? "").trim(), firstSeen(ev, now), ev.count ?? 1, ev.metadata.name ?? "",
    ];
  },
};

/** LAST SEEN as `kubectl events` and `kubectl describe` print it: `2m (x4 over 10m)` for a repeated event. */
export function eventInterval(ev: Event, now?: number): string {
  return (ev.count ?? 0) > 1 ? `${lastSeen(ev, now)} (x${ev.count} over ${firstSeen(ev, now)})` : lastSeen(ev, now);
}

/**
 * kctl get's events: eventPrinter with LAST SEEN as {@link eventInterval}. The one kind with two
 * printers: kubectl's server-side cell is the bare last occurrence (the count is a wide column),
 * while kctl get has always folded the count into LAST SEEN, as `kubectl events` does.
 */
export const eventCliPrinter: Printer = {
  columns: eventPrinter.columns,
  cells: (o, now) => {
    const cells = eventPrinter.cells(o, now);
    cells[0] = eventInterval(o as Event, now);
    return cells;
  },
};
