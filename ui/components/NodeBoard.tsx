/**
 * Nodes as columns (name, status, CPU/memory requested of allocatable, the node's pod cards), and
 * before them the lane of pods waiting for the scheduler, each with the scheduler's reason.
 *
 * Only what is in view is in the DOM (1,000 cards on 100 columns were ~20,000 nodes, and style,
 * layout and paint of those, not JavaScript, held a scale to 10-17 frames/s): columns outside
 * the board's scrolled width are one spacer of their total width on each side, and a column
 * draws only the cards inside its own scrolled height, with spacers above and below. Columns
 * and cards have fixed sizes (style.css, the constants below) so the arithmetic is exact.
 */
import { Component } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Pod } from "../../lib/types.js";
import { allocation, cpuText, memText, nodeStatus, unscheduledReason } from "../format.js";
import type { NodeColumn, View } from "../view-model.js";
import { spacerSize, visibleRange } from "../virtual-window.js";
import { PodCard } from "./PodCard.js";

/** `.node` width 190 px + the board's 10 px gap (style.css) */
const COLUMN_STRIDE = 200;
const COLUMN_GAP = 10;
/** `.pod` height 48 px + 5 px margin (style.css) */
const CARD_STRIDE = 53;
/** `.pod.noted` (a fourth line: the scheduler's reason) height 62 px + 5 px margin */
const NOTED_STRIDE = 67;
/** items drawn beyond each edge of the view, so a short scroll never shows a blank */
const OVERSCAN_COLUMNS = 1;
const OVERSCAN_CARDS = 3;

/** The same pod objects in the same order (a column's cards need no re-render). */
function samePods(a: readonly Pod[], b: readonly Pod[]): boolean {
  return a === b || (a.length === b.length && a.every((p, i) => p === b[i]));
}

function pct(used: number, cap: number): number {
  return cap > 0 ? Math.min(100, Math.round((used / cap) * 100)) : 0;
}

interface CardsProps {
  pods: Pod[];
  tick: number;
  /** px between the tops of two cards */
  stride: number;
  /** the height the board gives a column's cards at most (px): what can be in view */
  viewport: number;
  /** the unscheduled lane: the scheduler's reason as each card's last line */
  noted?: boolean;
}

/**
 * A column's cards: a scroll box drawing only the cards in its view. Re-renders when one of its
 * pods changed or it is scrolled past a card, not on every frame of a scale elsewhere.
 */
class Cards extends Component<CardsProps, { firstRow: number }> {
  override state = { firstRow: 0 };

  override shouldComponentUpdate(next: CardsProps, nextState: { firstRow: number }): boolean {
    const a = this.props;
    return nextState.firstRow !== this.state.firstRow || a.tick !== next.tick || a.viewport !== next.viewport || a.stride !== next.stride || !samePods(a.pods, next.pods);
  }

  private onScroll = (e: Event): void => {
    const firstRow = Math.floor((e.currentTarget as HTMLElement).scrollTop / this.props.stride);
    if (firstRow !== this.state.firstRow) this.setState({ firstRow });
  };

  override render() {
    const { pods, tick, stride, viewport, noted } = this.props;
    const r = visibleRange(pods.length, stride, this.state.firstRow * stride, viewport, OVERSCAN_CARDS);
    const above = spacerSize(r.start, stride);
    const below = spacerSize(pods.length - r.end, stride);
    return (
      <div class="cards" onScroll={this.onScroll} data-shown={`${r.start}-${r.end}`}>
        {above > 0 && <div key="above" class="card-gap" style={{ height: `${above}px` }} />}
        {pods.slice(r.start, r.end).map((p) => (
          <PodCard key={p.metadata.uid ?? p.metadata.name} pod={p} tick={tick} {...(noted ? { note: unscheduledReason(p) } : {})} />
        ))}
        {below > 0 && <div key="below" class="card-gap" style={{ height: `${below}px` }} />}
      </div>
    );
  }
}

/** A column re-renders only when its node, one of its pods or the view's size changed. */
class Column extends Component<{ col: NodeColumn; tick: number; viewport: number }> {
  override shouldComponentUpdate(next: { col: NodeColumn; tick: number; viewport: number }): boolean {
    const a = this.props.col;
    const b = next.col;
    return a.node !== b.node || this.props.tick !== next.tick || this.props.viewport !== next.viewport || !samePods(a.pods, b.pods);
  }

  override render() {
    const { col, tick, viewport } = this.props;
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
        <Cards pods={col.pods} tick={tick} stride={CARD_STRIDE} viewport={viewport} />
      </section>
    );
  }
}

function Unscheduled(props: { pods: Pod[]; tick: number; viewport: number }) {
  return (
    <section class="node unscheduled" data-node="">
      <header>
        <div class="node-name">unscheduled</div>
        <div class="node-count">{props.pods.length} pending</div>
      </header>
      <Cards pods={props.pods} tick={props.tick} stride={NOTED_STRIDE} viewport={props.viewport} noted />
    </section>
  );
}

/** The board's scroll position and size, in whole columns where that is all that matters. */
function useBoardWindow(ref: { current: HTMLDivElement | null }) {
  const [firstColumn, setFirstColumn] = useState(0);
  const [width, setWidth] = useState(() => window.innerWidth);
  const [height, setHeight] = useState(() => window.innerHeight);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      setWidth(el.clientWidth || window.innerWidth);
      setHeight(window.innerHeight);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    window.addEventListener("resize", measure);
    return () => {
      ro.disconnect();
      window.removeEventListener("resize", measure);
    };
  }, []);
  const onScroll = (e: Event) => setFirstColumn(Math.floor((e.currentTarget as HTMLElement).scrollLeft / COLUMN_STRIDE));
  return { firstColumn, width, height, onScroll };
}

type BoardItem = { lane: Pod[] } | NodeColumn;

/**
 * The unscheduled lane and the node columns. `data-pods`/`data-ready` count what the board
 * holds (drawn or scrolled out of view), for the tests and bench/ui.ts.
 */
export function NodeBoard(props: { view: View; tick: number; onSelect: (key: string) => void }) {
  const { view, tick } = props;
  const ref = useRef<HTMLDivElement>(null);
  const win = useBoardWindow(ref);
  const items: BoardItem[] = view.unscheduled.length > 0 ? [{ lane: view.unscheduled }, ...view.columns] : view.columns;
  const r = visibleRange(items.length, COLUMN_STRIDE, win.firstColumn * COLUMN_STRIDE, win.width, OVERSCAN_COLUMNS);
  const left = spacerSize(r.start, COLUMN_STRIDE, COLUMN_GAP);
  const right = spacerSize(items.length - r.end, COLUMN_STRIDE, COLUMN_GAP);
  // Cards fit the window's height less the page header and the column header (style.css).
  const viewport = win.height;
  // One listener for every card: the card says which pod it is.
  const onClick = (e: MouseEvent) => {
    const card = (e.target as Element | null)?.closest<HTMLElement>(".pod");
    if (card?.dataset.pod) props.onSelect(`${card.dataset.ns ?? ""}/${card.dataset.pod}`);
  };
  return (
    <div class="board" ref={ref} onScroll={win.onScroll} onClick={onClick} data-pods={view.podCount} data-ready={view.readyCount} data-columns={`${r.start}-${r.end}`}>
      {left > 0 && <div key="left" class="node-gap" style={{ flexBasis: `${left}px` }} />}
      {items.slice(r.start, r.end).map((it) =>
        "lane" in it ? (
          <Unscheduled key={"\0unscheduled"} pods={it.lane} tick={tick} viewport={viewport} />
        ) : (
          <Column key={it.name} col={it} tick={tick} viewport={viewport} />
        ),
      )}
      {right > 0 && <div key="right" class="node-gap" style={{ flexBasis: `${right}px` }} />}
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
