import { describe, expect, it } from "vitest";
import {
  ZERO,
  add,
  cmp,
  formatQuantity,
  fromMilli,
  fromValue,
  isQuantity,
  isZero,
  milliValue,
  parseQuantity,
  parseQuantityOr,
  sub,
  sum,
  value,
} from "../../lib/quantity.js";

describe("parseQuantity", () => {
  // input, nanos, canonical string, milliValue, value
  const table: [string | number, bigint, string, number, number][] = [
    ["0", 0n, "0", 0, 0],
    ["500m", 500_000_000n, "500m", 500, 1],
    ["2", 2_000_000_000n, "2", 2000, 2],
    ["0.5", 500_000_000n, "500m", 500, 1],
    [".5", 500_000_000n, "500m", 500, 1],
    ["1.", 1_000_000_000n, "1", 1000, 1],
    ["+3", 3_000_000_000n, "3", 3000, 3],
    ["-250m", -250_000_000n, "-250m", -250, -1],
    ["0.1", 100_000_000n, "100m", 100, 1],
    ["1500", 1_500_000_000_000n, "1500", 1_500_000, 1500],
    ["2000", 2_000_000_000_000n, "2k", 2_000_000, 2000],
    ["100k", 100_000n * 1_000_000_000n, "100k", 100_000_000, 100_000],
    ["1M", 10n ** 15n, "1M", 1e9, 1e6],
    ["1G", 10n ** 18n, "1G", 1e12, 1e9],
    ["1T", 10n ** 21n, "1T", 1e15, 1e12],
    ["1P", 10n ** 24n, "1P", 1e18, 1e15],
    ["1E", 10n ** 27n, "1E", 1e21, 1e18],
    ["1Ki", 1024n * 10n ** 9n, "1Ki", 1_024_000, 1024],
    ["128Mi", 128n * 1024n ** 2n * 10n ** 9n, "128Mi", 128 * 1024 ** 2 * 1000, 128 * 1024 ** 2],
    ["1Gi", 1024n ** 3n * 10n ** 9n, "1Gi", 1024 ** 3 * 1000, 1024 ** 3],
    ["1.5Gi", 1536n * 1024n ** 2n * 10n ** 9n, "1536Mi", 1536 * 1024 ** 2 * 1000, 1536 * 1024 ** 2],
    ["0.5Gi", 512n * 1024n ** 2n * 10n ** 9n, "512Mi", 512 * 1024 ** 2 * 1000, 512 * 1024 ** 2],
    ["1Ti", 1024n ** 4n * 10n ** 9n, "1Ti", 1024 ** 4 * 1000, 1024 ** 4],
    ["1Pi", 1024n ** 5n * 10n ** 9n, "1Pi", 1024 ** 5 * 1000, 1024 ** 5],
    ["1Ei", 1024n ** 6n * 10n ** 9n, "1Ei", 1024 ** 6 * 1000, 1024 ** 6],
    ["1536Ki", 1536n * 1024n * 10n ** 9n, "1536Ki", 1536 * 1024 * 1000, 1536 * 1024],
    ["1024Ki", 1024n ** 2n * 10n ** 9n, "1Mi", 1024 ** 2 * 1000, 1024 ** 2],
    ["512Ki", 512n * 1024n * 10n ** 9n, "512Ki", 512 * 1024 * 1000, 512 * 1024],
    ["100Mi", 100n * 1024n ** 2n * 10n ** 9n, "100Mi", 100 * 1024 ** 2 * 1000, 100 * 1024 ** 2],
    ["0.3Ki", 307_200_000_000n, "307200m", 307_200, 308],
    ["1e3", 10n ** 12n, "1e3", 1_000_000, 1000],
    ["1E3", 10n ** 12n, "1e3", 1_000_000, 1000],
    ["1.5e3", 1_500n * 10n ** 9n, "1500", 1_500_000, 1500],
    ["1e-3", 1_000_000n, "1e-3", 1, 1],
    ["1e+6", 10n ** 15n, "1e6", 1e9, 1e6],
    ["1u", 1000n, "1u", 1, 1],
    ["1n", 1n, "1n", 1, 1],
    ["1500n", 1500n, "1500n", 1, 1],
    ["0.1n", 1n, "1n", 1, 1], // finer than nano rounds up
    ["1e-10", 1n, "1e-9", 1, 1],
    ["1e-99999", 1n, "1e-9", 1, 1],
    ["0e-99999", 0n, "0", 0, 0],
    ["100m", 100_000_000n, "100m", 100, 1],
    ["1001m", 1_001_000_000n, "1001m", 1001, 2],
    ["007", 7_000_000_000n, "7", 7000, 7],
    [2, 2_000_000_000n, "2", 2000, 2],
    [0.25, 250_000_000n, "250m", 250, 1],
    [1e21, 10n ** 30n, "1e21", 1e24, 1e21],
  ];
  it.each(table)("%j", (input, nanos, canonical, milli, val) => {
    const q = parseQuantity(input);
    expect(q.nanos).toBe(nanos);
    expect(formatQuantity(q)).toBe(canonical);
    expect(milliValue(q)).toBe(milli);
    expect(value(q)).toBe(val);
    expect(isQuantity(input)).toBe(true);
    // the canonical text parses back to the same amount
    expect(parseQuantity(formatQuantity(q)).nanos).toBe(nanos);
  });

  it("keeps the format of the suffix", () => {
    expect(parseQuantity("1Gi").format).toBe("BinarySI");
    expect(parseQuantity("1G").format).toBe("DecimalSI");
    expect(parseQuantity("500m").format).toBe("DecimalSI");
    expect(parseQuantity("1e3").format).toBe("DecimalExponent");
  });

  const bad = ["", " ", "abc", "1K", "1ki", "1 Mi", "1Mi ", "1.2.3", "1e", "--1", "1Gi5", "1mm", "Mi", ".", "-", "1e1000", "1x"];
  it.each(bad)("rejects %j naming it", (s) => {
    expect(() => parseQuantity(s)).toThrowError(`invalid quantity "${s}"`);
    expect(isQuantity(s)).toBe(false);
  });

  it("rejects non-finite numbers", () => {
    expect(() => parseQuantity(Number.NaN)).toThrowError(/invalid quantity "NaN"/);
    expect(isQuantity(Infinity)).toBe(false);
  });
});

describe("arithmetic", () => {
  it("is exact", () => {
    expect(formatQuantity(add(parseQuantity("0.1"), parseQuantity("0.2")))).toBe("300m");
    expect(add(parseQuantity("0.1"), parseQuantity("0.2")).nanos).toBe(parseQuantity("0.3").nanos);
    let total = ZERO;
    for (let i = 0; i < 10; i++) total = add(total, parseQuantity("0.1"));
    expect(cmp(total, parseQuantity("1"))).toBe(0);
  });

  it("adds mixed suffixes", () => {
    expect(formatQuantity(add(parseQuantity("1Gi"), parseQuantity("512Mi")))).toBe("1536Mi");
    expect(formatQuantity(add(parseQuantity("500m"), parseQuantity("1")))).toBe("1500m");
    expect(formatQuantity(add(parseQuantity("1k"), parseQuantity("1e3")))).toBe("2k");
  });

  it("subtracts, possibly below zero", () => {
    expect(formatQuantity(sub(parseQuantity("2"), parseQuantity("250m")))).toBe("1750m");
    expect(formatQuantity(sub(parseQuantity("1Gi"), parseQuantity("2Gi")))).toBe("-1Gi");
    expect(isZero(sub(parseQuantity("1Gi"), parseQuantity("1024Mi")))).toBe(true);
  });

  it.each([
    ["1", "1000m", 0],
    ["999m", "1", -1],
    ["1Gi", "1G", 1],
    ["-1", "0", -1],
    ["1e3", "1k", 0],
  ] as const)("cmp(%s, %s) = %d", (a, b, want) => {
    expect(cmp(parseQuantity(a), parseQuantity(b))).toBe(want);
  });

  it("sums and builds", () => {
    expect(formatQuantity(sum(["100m", "200m", "700m"].map(parseQuantity)))).toBe("1");
    expect(sum([])).toEqual(ZERO);
    expect(formatQuantity(fromMilli(250))).toBe("250m");
    expect(formatQuantity(fromValue(1024 * 1024))).toBe("1Mi");
    expect(formatQuantity(fromValue(1000, "DecimalSI"))).toBe("1k");
    expect(() => fromValue(1.5)).toThrowError(/not a whole number/);
    expect(parseQuantityOr(undefined)).toBe(ZERO);
    expect(parseQuantityOr("1").nanos).toBe(1_000_000_000n);
  });

  it("formats binary amounts under 1024 or with fractions as decimal", () => {
    expect(formatQuantity(parseQuantity("0.5Ki"))).toBe("512");
    expect(formatQuantity({ nanos: 1023n * 1_000_000_000n, format: "BinarySI" })).toBe("1023");
    expect(formatQuantity({ nanos: 10n ** 31n, format: "DecimalSI" })).toBe("10000E");
  });
});
