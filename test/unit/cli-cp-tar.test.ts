/**
 * kctl cp's tar: its archives are read by the system tar (as the container's tar reads them),
 * and it reads what the system tar writes, long names included.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readTar, writeTar } from "../../cli/cp/tar.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-tar-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const long = `${"d".repeat(60)}/${"f".repeat(70)}.txt`;

describe("cp tar", () => {
  it("writes archives the system tar extracts (directories, files, modes, names over 100 bytes)", () => {
    const archive = writeTar([
      { name: "top", type: "directory", mode: 0o755, mtime: 1_700_000_000 },
      { name: "top/run.sh", type: "file", mode: 0o755, mtime: 1_700_000_000, data: Buffer.from("#!/bin/sh\necho hi\n") },
      { name: `top/${long}`, type: "file", mode: 0o644, mtime: 1_700_000_000, data: Buffer.alloc(1025, 7) },
    ]);
    expect(archive.length % 512).toBe(0);
    const out = path.join(tmp, "x");
    fs.mkdirSync(out);
    execFileSync("tar", ["-xf", "-", "-C", out], { input: archive });
    expect(fs.readFileSync(path.join(out, "top/run.sh"), "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect(fs.statSync(path.join(out, "top/run.sh")).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(path.join(out, "top", long)).equals(Buffer.alloc(1025, 7))).toBe(true);
  });

  it("reads what the system tar writes, long names included", () => {
    const src = path.join(tmp, "src");
    fs.mkdirSync(path.join(src, path.dirname(long)), { recursive: true });
    fs.writeFileSync(path.join(src, long), "deep\n");
    fs.writeFileSync(path.join(src, "empty"), "");
    const archive = execFileSync("tar", ["-cf", "-", "-C", tmp, "src"]);
    const entries = readTar(archive);
    const files = Object.fromEntries(entries.filter((e) => e.type === "file").map((e) => [e.name, e.data?.toString("utf8")]));
    expect(files).toEqual({ [`src/${long}`]: "deep\n", "src/empty": "" });
    expect(entries.filter((e) => e.type === "directory").map((e) => e.name)).toContain("src");
  });

  it("round-trips its own archives", () => {
    const entries = [{ name: "a/b.bin", type: "file" as const, mode: 0o600, mtime: 1_600_000_000, data: Buffer.from([0, 1, 2, 255]) }];
    expect(readTar(writeTar(entries))).toEqual(entries);
  });
});
