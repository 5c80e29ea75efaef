/** events: LAST SEEN TYPE REASON OBJECT MESSAGE */
import type { Event } from "../../../lib/types.js";
import { since } from "../../../lib/human-duration.js";
import type { Columns } from "./types.js";

/** `5s`, or `2m (x4 over 10m)` for repeated events. */
export function eventLastSeen(ev: Event, now: number): string {
  const first = since(ev.firstTimestamp || ev.eventTime || ev.metadata.creationTimestamp, now);
  const last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
  return (ev.count ?? 0) > 1 ? `${last} (x${ev.count} over ${first})` : last;
}

/** `pod/web-1` */
export function eventObject(ev: Event): string {
  const kind = (ev.involvedObject?.kind ?? "").toLowerCase();
  return ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
}

export const eventColumns: Columns = {
  headers: ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
  wide: ["SUBOBJECT", "SOURCE", "FIRST SEEN", "COUNT", "NAME"],
  row(obj, now, wide) {
    const ev = obj as Event;
    const cells = [eventLastSeen(ev, now), ev.type ?? "", ev.reason ?? "", eventObject(ev), (ev.message ?? "").trim()];
    if (wide) {
      const src = ev.source?.component ? `${ev.source.component}${ev.source.host ? `, ${ev.source.host}` : ""}` : ev.reportingComponent ?? "";
      cells.push(
        ev.involvedObject?.fieldPath ?? "",
        src,
        since(ev.firstTimestamp || ev.eventTime || ev.metadata.creationTimestamp, now),
        String(ev.count ?? 1),
        ev.metadata.name ?? "",
      );
    }
    return cells;
  },
};
