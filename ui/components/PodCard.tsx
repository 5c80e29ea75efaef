/**
 * One pod: name, phase/readiness colour, restarts (a flash when a container restarts), owner,
 * image tag, age. One element with the lines as text and the phase as a class (a thousand cards
 * of nested spans were most of the page's DOM); its size is fixed (style.css) so a column can
 * draw only the cards in view. Re-renders only when its pod object changes (a new
 * resourceVersion) or the age clock ticks. Clicks are handled by the board (one listener).
 */
import { Component } from "preact";
import { since } from "../../lib/human-duration.js";
import type { Pod } from "../../lib/types.js";
import { imageTag, ownerOf, podTone, restartsOf } from "../format.js";

interface Props {
  pod: Pod;
  /** the age clock: a new value redraws the age */
  tick: number;
  /** a fourth line (the unscheduled lane: the scheduler's reason) */
  note?: string;
}

const FLASH_MS = 2000;

export class PodCard extends Component<Props, { flashUntil: number }> {
  override state = { flashUntil: 0 };
  private timer = 0;

  override shouldComponentUpdate(next: Props, nextState: { flashUntil: number }): boolean {
    return next.pod !== this.props.pod || next.tick !== this.props.tick || next.note !== this.props.note || nextState.flashUntil !== this.state.flashUntil;
  }

  /** A container restarted since the last pod version: flash (never on a card's first render). */
  override componentDidUpdate(prev: Props): void {
    if (restartsOf(this.props.pod) <= restartsOf(prev.pod)) return;
    clearTimeout(this.timer);
    this.setState({ flashUntil: Date.now() + FLASH_MS });
    this.timer = window.setTimeout(() => this.setState({ flashUntil: 0 }), FLASH_MS);
  }

  override componentWillUnmount(): void {
    clearTimeout(this.timer);
  }

  override render() {
    const { pod, note } = this.props;
    const restarts = restartsOf(pod);
    const owner = ownerOf(pod.metadata);
    const images = (pod.spec?.containers ?? []).map((c) => imageTag(c.image)).join(",");
    const lines = [pod.metadata.name ?? "", `${images}  restarts ${restarts}  ${since(pod.metadata.creationTimestamp)}`, owner ? `${owner.kind}/${owner.name}` : ""];
    if (note !== undefined) lines.push(note);
    return (
      <div
        class={`pod ${podTone(pod)}${note !== undefined ? " noted" : ""}${this.state.flashUntil > 0 ? " flash" : ""}`}
        data-pod={pod.metadata.name}
        data-ns={pod.metadata.namespace}
        data-restarts={restarts}
        data-tag={images}
        title={`${pod.metadata.namespace}/${pod.metadata.name} (${pod.status?.phase ?? "Pending"})`}
      >
        {lines.join("\n")}
      </div>
    );
  }
}
