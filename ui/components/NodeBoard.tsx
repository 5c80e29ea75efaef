/**
 * Nodes as columns (name, status, CPU/memory requested of allocatable, the node's pod cards), and
 * before them the lane of pods waiting for the scheduler, each with the scheduler's reason.
 */
import { Component } from "preact";
import type { Pod } from "../../lib/types.js";
import { allocation, cpuText, memText, nodeStatus, unscheduledReason } from "../format.js";
import type { NodeColumn, View } from "../view-model.js";
import { PodCard } from "./PodCard.js";

function pct(used: number, cap: number): number {
  return cap > 0 ? Math.min(100, Math.round((used / cap) * 100)) : 0;
}

/** A column re-renders only when one of its pods or its node changed. */
class Column extends Component<{ col: NodeColumn; tick: number; onSelect: (key: string) => void }> {
  override shouldComponentUpdate(next: { col: NodeColumn; tick: number }): boolean {
    const a = this.props.col;
    const b = next.col;
    if (a.node !== b.node || a.pods.length !== b.pods.length || this.props.tick !== next.tick) return true;
    for (let i = 0; i < a.pods.length; i++) if (a.pods[i] !== b.pods[i]) return true;
    return false;
  }

  override render() {
    const { col, tick, onSelect } = this.props;
    const status = col.node ? nodeStatus(col.node) : "unknown";
    const a = allocation(col.node, col.pods);
    return (
      <section class={`node ${status.startsWith("Ready") ? "ready" : "notready"}${status.includes("SchedulingDisabled") ? " cordoned" : ""}`} data-node={col.name}>
        <header>
          <div class="node-name">{col.name}</div>
          <div class="node-status">{status}</div>
          {col.node && (
            <div class="alloc">
              <div class="meter" title={`CPU requested ${cpuText(a.cpuMilli)} of ${cpuText(a.cpuCapMilli)}`}>
                <span style={{ width: `${pct(a.cpuMilli, a.cpuCapMilli)}%` }} />
                <em>
                  cpu {cpuText(a.cpuMilli)}/{cpuText(a.cpuCapMilli)}
                </em>
              </div>
              <div class="meter" title={`memory requested ${memText(a.memBytes)} of ${memText(a.memCapBytes)}`}>
                <span style={{ width: `${pct(a.memBytes, a.memCapBytes)}%` }} />
                <em>
                  mem {memText(a.memBytes)}/{memText(a.memCapBytes)}
                </em>
              </div>
            </div>
          )}
          <div class="node-count">{col.pods.length} pods</div>
        </header>
        <div class="cards">
          {col.pods.map((p) => (
            <PodCard key={p.metadata.uid ?? p.metadata.name} pod={p} tick={tick} onSelect={onSelect} />
          ))}
        </div>
      </section>
    );
  }
}

/** Cards shown in the unscheduled lane; a burst of pending pods (a scale to 1,000) shows as a count beyond. */
const UNSCHEDULED_SHOWN = 50;

function Unscheduled(props: { pods: Pod[]; tick: number; onSelect: (key: string) => void }) {
  const more = props.pods.length - UNSCHEDULED_SHOWN;
  return (
    <section class="node unscheduled" data-node="">
      <header>
        <div class="node-name">unscheduled</div>
        <div class="node-count">{props.pods.length} pending</div>
      </header>
      <div class="cards">
        {props.pods.slice(0, UNSCHEDULED_SHOWN).map((p) => (
          <div key={p.metadata.uid ?? p.metadata.name} class="waiting">
            <PodCard pod={p} tick={props.tick} onSelect={props.onSelect} />
            <div class="reason">{unscheduledReason(p)}</div>
          </div>
        ))}
        {more > 0 && <div class="more">{`and ${more} more`}</div>}
      </div>
    </section>
  );
}

/** The unscheduled lane and the node columns. */
export function NodeBoard(props: { view: View; tick: number; onSelect: (key: string) => void }) {
  const { view } = props;
  return (
    <div class="board">
      {view.unscheduled.length > 0 && <Unscheduled pods={view.unscheduled} tick={props.tick} onSelect={props.onSelect} />}
      {view.columns.map((col) => (
        <Column key={col.name} col={col} tick={props.tick} onSelect={props.onSelect} />
      ))}
      {view.columns.length === 0 && view.unscheduled.length === 0 && (
        <p class="empty">
          {view.podsForbidden
            ? "This token may not list pods here. A token limited to one namespace logs in with that namespace (kctl dashboard -n NS does it)."
            : "No pods or nodes visible to this token."}
        </p>
      )}
    </div>
  );
}
