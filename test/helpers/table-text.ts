/**
 * Read an aligned table as kctl and kubectl print it (tabwriter: each column starts at the same
 * offset on every line, the header names it) back into cells, so a test can pin a table cell by
 * cell. Fresh objects' AGE cells (`4s`) become `<age>`: they are the only cells that depend on
 * how long the test took.
 */

/** One string per line: the cells joined by " | " (an empty cell stays empty). */
export function tableLines(text: string): string[] {
  const lines = text.split("\n").filter((l) => l !== "");
  if (lines.length === 0) return [];
  const starts: number[] = [];
  // a header cell may hold single spaces ("NOMINATED NODE"), never the 3-space column gap
  for (const m of lines[0]!.matchAll(/\S+(?: \S+)*/g)) starts.push(m.index);
  const headers = starts.map((s, i) => lines[0]!.slice(s, starts[i + 1]).trim());
  return lines.map((line, n) =>
    starts
      .map((s, i) => {
        const cell = (i + 1 < starts.length ? line.slice(s, starts[i + 1]) : line.slice(s)).trimEnd();
        return n > 0 && headers[i] === "AGE" && /^\d+s$/.test(cell) ? "<age>" : cell;
      })
      .join(" | "),
  );
}
