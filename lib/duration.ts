/**
 * Go-style durations for flags (`500ms`, `10s`, `5m`, `1h`, `1m30s`; a bare number is seconds),
 * as kubectl and the Kubernetes components accept them.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parse a duration into milliseconds.
 * @param what names the flag in the error message (e.g. "--timeout")
 * @throws Error naming the bad text
 */
export function parseDuration(text: string, what = "duration"): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * (UNITS[m[2]] ?? 0);
    pos = re.lastIndex;
  }
  if (pos !== s.length || s.length === 0) throw new Error(`${what}: invalid duration "${text}" (use e.g. 500ms, 10s, 5m)`);
  return Math.round(total);
}
