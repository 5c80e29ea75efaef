/**
 * Kubernetes resource quantities (`500m`, `2`, `0.5`, `128Mi`, `1G`, `1e3`), parsed, compared,
 * summed and printed as k8s.io/apimachinery/pkg/api/resource does.
 *
 * A quantity is held as a bigint count of nano-units, the finest precision Kubernetes keeps
 * (finer input is rounded up, as Kubernetes does), so sums are exact: `100m + 200m` is `300m`,
 * never `0.30000000000000004`.
 */

/** How a quantity prints: `1Gi` style, `1G` style, or `1e9` style (kept from the parsed text). */
export type QuantityFormat = "BinarySI" | "DecimalSI" | "DecimalExponent";

/** An exact resource quantity. Immutable. */
export interface Quantity {
  /** the amount in nano-units (1 = 1n; 1_000_000_000n = 1) */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

const NANO = 1_000_000_000n;

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_POWER = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/** The syntax Kubernetes accepts (number, then an SI, binary or exponent suffix). */
const QUANTITY_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const EXPONENT_RE = /^[eE]([-+]?[0-9]+)$/;

/** Past this many decimal places of magnitude a quantity is nonsense (and a bigint would be huge). */
const MAX_EXPONENT = 100;

/**
 * Parse a quantity. Numbers (as YAML and JSON manifests often carry: `cpu: 2`) are accepted too.
 * @throws Error naming the bad string
 */
export function parseQuantity(input: string | number): Quantity {
  const s = typeof input === "number" ? numberText(input) : input;
  const m = QUANTITY_RE.exec(s);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) {
    throw new Error(
      `invalid quantity "${s}": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  }
  const negative = m[1] === "-";
  const intPart = m[2]!;
  const fraction = m[3] ?? "";
  const suffix = m[4]!;

  let format: QuantityFormat;
  let exp10 = 0; // the decimal exponent of the suffix
  let pow1024 = 0; // the binary power of the suffix
  if (suffix in DECIMAL_SUFFIXES) {
    format = "DecimalSI";
    exp10 = DECIMAL_SUFFIXES[suffix]!;
  } else if (suffix in BINARY_SUFFIXES) {
    format = "BinarySI";
    pow1024 = BINARY_SUFFIXES[suffix]!;
  } else {
    const e = EXPONENT_RE.exec(suffix);
    if (!e) throw new Error(`invalid quantity "${s}": unable to parse quantity's suffix "${suffix}"`);
    format = "DecimalExponent";
    exp10 = Number(e[1]);
    if (!Number.isSafeInteger(exp10) || exp10 > MAX_EXPONENT) throw new Error(`invalid quantity "${s}": exponent out of range`);
  }

  // digits × 10^(exp10 + 9 − fraction digits) × 1024^pow1024, rounded up to a whole nano.
  const digits = BigInt(intPart + fraction || "0");
  const shift = exp10 + 9 - fraction.length;
  let numer = digits * 1024n ** BigInt(pow1024);
  let denom = 1n;
  if (shift >= 0) numer *= 10n ** BigInt(shift);
  else if (-shift > fraction.length + intPart.length + 9 + MAX_EXPONENT) {
    // far below a nano: the amount rounds up to 1n (or is zero)
    numer = numer === 0n ? 0n : 1n;
  } else denom = 10n ** BigInt(-shift);
  const nanos = ceilDiv(numer, denom);
  return { nanos: negative ? -nanos : nanos, format };
}

/** Whether `s` parses as a quantity. */
export function isQuantity(s: string | number): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

/** Parse or, for `undefined`, zero: handy for optional requests (`resources.requests?.cpu`). */
export function parseQuantityOr(s: string | number | undefined, fallback: Quantity = ZERO): Quantity {
  return s === undefined ? fallback : parseQuantity(s);
}

/** The zero quantity. */
export const ZERO: Quantity = Object.freeze({ nanos: 0n, format: "DecimalSI" });

/** A quantity of `milli` thousandths (cpu: `fromMilli(250)` is `250m`). */
export function fromMilli(milli: number | bigint): Quantity {
  return { nanos: toBig(milli) * 1_000_000n, format: "DecimalSI" };
}

/** A quantity of whole units (bytes for memory); `format` defaults to BinarySI, as memory prints. */
export function fromValue(value: number | bigint, format: QuantityFormat = "BinarySI"): Quantity {
  return { nanos: toBig(value) * NANO, format };
}

/** `a + b`, printed in `a`'s format. */
export function add(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.format };
}

/** `a − b`, printed in `a`'s format. */
export function sub(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos - b.nanos, format: a.format };
}

/** The sum of all quantities (zero for none), printed in the first one's format. */
export function sum(qs: Iterable<Quantity>): Quantity {
  let nanos = 0n;
  let format: QuantityFormat | undefined;
  for (const q of qs) {
    nanos += q.nanos;
    format ??= q.format;
  }
  return { nanos, format: format ?? "DecimalSI" };
}

/** −1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function cmp(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

export function isZero(q: Quantity): boolean {
  return q.nanos === 0n;
}

/** The amount in thousandths, rounded up away from zero (cpu: `500m` → 500, `0.1` → 100). */
export function milliValue(q: Quantity): number {
  return Number(ceilDiv(q.nanos, 1_000_000n));
}

/** The amount in whole units, rounded up away from zero (memory in bytes: `1Ki` → 1024, `1m` → 1). */
export function value(q: Quantity): number {
  return Number(ceilDiv(q.nanos, NANO));
}

/**
 * The canonical string, as Kubernetes prints it: the largest suffix that keeps the number whole
 * (`0.5` → `500m`, `2000` → `2k`, `1.5Gi` → `1536Mi`, `1e3` → `1e3`). A BinarySI amount under
 * 1024 or with a fraction prints as DecimalSI, as in Kubernetes.
 */
export function formatQuantity(q: Quantity): string {
  const n = q.nanos;
  if (n === 0n) return "0";
  const sign = n < 0n ? "-" : "";
  const abs = n < 0n ? -n : n;

  if (q.format === "BinarySI" && abs >= 1024n * NANO && abs % NANO === 0n) {
    let mantissa = abs / NANO;
    let power = 0;
    while (power < 6 && mantissa % 1024n === 0n) {
      mantissa /= 1024n;
      power++;
    }
    return `${sign}${mantissa}${BINARY_BY_POWER[power]}`;
  }

  // Strip factors of ten, then step the exponent down to a multiple of three.
  let mantissa = abs;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const rem = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(rem);
  exponent -= rem;
  if (q.format === "DecimalExponent") return `${sign}${mantissa}${exponent === 0 ? "" : `e${exponent}`}`;
  if (exponent > 18) {
    mantissa *= 10n ** BigInt(exponent - 18);
    exponent = 18;
  }
  return `${sign}${mantissa}${DECIMAL_BY_EXPONENT.get(exponent)!}`;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  if (b === 1n) return a;
  const q = a / b; // truncates toward zero
  const r = a % b;
  if (r === 0n) return q;
  return a > 0n ? q + 1n : q - 1n; // away from zero, as Kubernetes rounds
}

function toBig(n: number | bigint): bigint {
  if (typeof n === "bigint") return n;
  if (!Number.isInteger(n)) throw new Error(`not a whole number: ${n}`);
  return BigInt(n);
}

/** A JS number as quantity text, without the `1e+21` form tripping the parser's regex. */
function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`invalid quantity "${n}": not a finite number`);
  return String(n).replace("e+", "e");
}
