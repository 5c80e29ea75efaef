/** The event stream: newest first, as `kctl get events -w` would show them. */
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
            <span class="ev-age">{since(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp)}</span>
            <span class="ev-obj">
              {e.involvedObject.kind}/{e.involvedObject.name}
            </span>
            <span class="ev-reason">{e.reason}</span>
            <span class="ev-msg">{e.message}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
