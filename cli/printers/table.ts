/**
 * Column alignment as kubectl's tabwriter does it (min width 6, padding 3, the last column not
 * padded). `TableWriter` remembers widths so rows printed later (`get -w`) line up.
 */

const MIN_WIDTH = 6;
const PADDING = 3;

/** Render rows (the first usually the header) as aligned text, each line ending in "\n". */
export function formatTable(rows: string[][]): string {
  const w = new TableWriter();
  return w.format(rows);
}

/** An aligner that keeps the widest width seen per column across calls. */
export class TableWriter {
  private widths: number[] = [];

  /** Format rows, growing the remembered widths as needed. */
  format(rows: string[][]): string {
    for (const row of rows) {
      for (let i = 0; i < row.length - 1; i++) {
        const w = Math.max(MIN_WIDTH, row[i].length + PADDING);
        if (!(this.widths[i] >= w)) this.widths[i] = w;
      }
    }
    let out = "";
    for (const row of rows) {
      let line = "";
      for (let i = 0; i < row.length; i++) {
        line += i === row.length - 1 ? row[i] : row[i].padEnd(this.widths[i]);
      }
      out += `${line}\n`;
    }
    return out;
  }
}
