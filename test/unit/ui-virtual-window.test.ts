/**
 * The web view's windowing arithmetic (ui/virtual-window.ts): which columns or cards a scrolled
 * viewport shows, and the spacers standing for the rest.
 */
import { describe, expect, it } from "vitest";
import { spacerSize, visibleRange } from "../../ui/virtual-window.js";

describe("visibleRange", () => {
  it("shows the items under the viewport plus the overscan on each side", () => {
    // 100 columns 200 px apart, 1,440 px wide, scrolled to column 10.
    expect(visibleRange(100, 200, 2000, 1440, 1)).toEqual({ start: 9, end: 19 });
    expect(visibleRange(100, 200, 2000, 1440, 0)).toEqual({ start: 10, end: 18 });
  });

  it("clamps at the start and the end of the list", () => {
    expect(visibleRange(100, 200, 0, 1440, 2)).toEqual({ start: 0, end: 10 });
    expect(visibleRange(100, 200, 100 * 200 - 1440, 1440, 2)).toEqual({ start: 90, end: 100 });
    expect(visibleRange(5, 53, 0, 900, 3)).toEqual({ start: 0, end: 5 });
  });

  it("a scroll position past the end (the list shrank) shows the last items, not nothing", () => {
    expect(visibleRange(10, 53, 5000, 212, 0)).toEqual({ start: 6, end: 10 });
    expect(visibleRange(3, 200, 10_000, 1440, 1)).toEqual({ start: 0, end: 3 });
  });

  it("shows at least one item on a viewport not measured yet, and none of an empty list", () => {
    expect(visibleRange(10, 53, 0, 0, 0)).toEqual({ start: 0, end: 1 });
    expect(visibleRange(0, 53, 0, 900, 3)).toEqual({ start: 0, end: 0 });
    expect(visibleRange(-1, 53, -20, 900, 3)).toEqual({ start: 0, end: 0 });
  });

  it("a negative scroll (an overscroll bounce) counts as the top", () => {
    expect(visibleRange(100, 53, -40, 106, 0)).toEqual({ start: 0, end: 2 });
  });
});

describe("spacerSize", () => {
  it("stands for n items and their gaps, less the gap a flex container adds after it", () => {
    expect(spacerSize(3, 200, 10)).toBe(590);
    expect(spacerSize(3, 53)).toBe(159);
    expect(spacerSize(0, 200, 10)).toBe(0);
  });
});
