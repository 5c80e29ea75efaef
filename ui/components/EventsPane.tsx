/**
 * The event stream: newest first, as `kctl get events -w` would show them. One element an event
 * (its lines as text, the first in bold): during a scale dozens of events a frame replace the
 * oldest shown, and elements, not text, are what the browser pays for.
 */
import { since } from "../../lib/human-duration.js";
import type { Event } from "../../lib/types.js";

/** The event stream pane. */
export function EventsPane(props: { events: Event[] }) {
  return (
    <section class="events">
      <h2>Events</h2>
      <ol>
        {props.events.map((e) => (
          <li key={e.metadata.uid ?? e.metadata.name} class={e.type === "Warning" ? "warning" : ""}>
            {`${e.involvedObject.kind}/${e.involvedObject.name}  ${since(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp)}\n${e.reason ?? ""}\n${e.message ?? ""}`}
          </li>
        ))}
      </ol>
    </section>
  );
}
