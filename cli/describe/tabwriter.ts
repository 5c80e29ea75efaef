/**
 * Go's text/tabwriter as kubectl describe uses it (minwidth 0, padding 2): cells end in a tab,
 * and a column is aligned over each run of consecutive lines that have a cell in it.
 */

/** Align tab-separated text. */
export function tabwrite(text: string, padding = 2): string {
  const lines = text.split("\n").map((l) => l.split("\t"));
  const widths: number[][] = lines.map(() => []);
  const format = (col: number, start: number, end: number): void => {
    let i = start;
    while (i < end) {
      if (lines[i].length - 1 <= col) {
        i++;
        continue;
      }
      let j = i;
      let width = 0;
      while (j < end && lines[j].length - 1 > col) {
        width = Math.max(width, lines[j][col].length + padding);
        j++;
      }
      for (let k = i; k < j; k++) widths[k][col] = width;
      format(col + 1, i, j);
      i = j;
    }
  };
  format(0, 0, lines.length);
  return lines.map((cells, li) => cells.map((c, ci) => (ci < cells.length - 1 ? c.padEnd(widths[li][ci]) : c)).join("")).join("\n");
}

/** kubectl's PrefixWriter: `write(level, "Key:\tvalue")` indents two spaces per level. */
export class DescribeWriter {
  private buf = "";

  /** One line at an indent level (tabs separate aligned cells). */
  line(level: number, text: string): void {
    this.buf += `${"  ".repeat(level)}${text}\n`;
  }

  /** The aligned text. */
  toString(): string {
    return tabwrite(this.buf);
  }
}
