/**
 * One pod: name, phase/readiness colour, restarts (a flash when a container restarts), owner,
 * image tag, age. Re-renders only when its pod object changes (a new resourceVersion) or the
 * age clock ticks.
 */
import { Component } from "preact";
import { since } from "../../lib/human-duration.js";
import type { Pod } from "../../lib/types.js";
import { imageTag, ownerOf, podTone, restartsOf } from "../format.js";

interface Props {
  pod: Pod;
  /** the age clock: a new value redraws the age */
  tick: number;
  onSelect: (key: string) => void;
}

const FLASH_MS = 2000;

export class PodCard extends Component<Props, { flashUntil: number }> {
  override state = { flashUntil: 0 };
  private timer = 0;

  override shouldComponentUpdate(next: Props, nextState: { flashUntil: number }): boolean {
    return next.pod !== this.props.pod || next.tick !== this.props.tick || nextState.flashUntil !== this.state.flashUntil;
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
    const { pod } = this.props;
    const restarts = restartsOf(pod);
    const owner = ownerOf(pod.metadata);
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const images = (pod.spec?.containers ?? []).map((c) => imageTag(c.image)).join(",");
    const flash = this.state.flashUntil > 0;
    return (
      <div
        class={`pod ${podTone(pod)}${flash ? " flash" : ""}`}
        data-pod={pod.metadata.name}
        data-restarts={restarts}
        title={`${key} (${pod.status?.phase ?? "Pending"})`}
        onClick={() => this.props.onSelect(key)}
      >
        <div class="pod-name">{pod.metadata.name}</div>
        <div class="pod-meta">
          <span class="tag">{images}</span>
          <span class="restarts">{`restarts ${restarts}`}</span>
          <span class="age">{since(pod.metadata.creationTimestamp)}</span>
        </div>
        {owner && <div class="owner">{`${owner.kind}/${owner.name}`}</div>}
      </div>
    );
  }
}
