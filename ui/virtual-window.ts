/**
 * Windowing arithmetic for the board: which of a list of fixed-size items (node columns across,
 * pod cards down a column) a scrolled viewport shows. Only those are in the DOM; spacers of the
 * right size stand for the rest, so the scrollbars and scroll positions stay those of the whole
 * list. Pure (unit-tested), no DOM.
 */

/** Items [start, end) of a list. */
export interface ItemRange {
  start: number;
  end: number;
}

/**
 * The items a viewport of `viewport` px scrolled to `scroll` px shows in a list of `count` items
 * each `stride` px apart (size plus gap), widened by `overscan` items on each side so that a
 * small scroll shows items already drawn while the next render catches up.
 */
export function visibleRange(count: number, stride: number, scroll: number, viewport: number, overscan: number): ItemRange {
  if (count <= 0 || stride <= 0) return { start: 0, end: 0 };
  const inView = Math.max(1, Math.ceil(Math.max(0, viewport) / stride));
  // A scroll position past the end (the list shrank; the browser clamps it next): the last items.
  const first = Math.min(Math.floor(Math.max(0, scroll) / stride), Math.max(0, count - inView));
  const last = first + inView;
  return { start: clamp(first - overscan, 0, count), end: clamp(last + overscan, 0, count) };
}

/**
 * The size in px of a spacer standing for `n` items laid out `stride` apart with `gap` between
 * items (a flex gap also follows the spacer itself, so it is one gap shorter). 0 for none.
 */
export function spacerSize(n: number, stride: number, gap = 0): number {
  return n > 0 ? n * stride - gap : 0;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
