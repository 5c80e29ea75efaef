import { describe, expect, it } from "vitest";
import { goDuration } from "../../kubelet/images.js";
import { formatBytes, pullingMessage, PullProgressTracker } from "../../kubelet/pull-progress.js";

describe("pull progress", () => {
  it("sums the layers' download bytes; finished steps count a layer whole; present layers and extraction add nothing", () => {
    const t = new PullProgressTracker();
    expect(t.update({ id: "a", status: "Already exists" })).toBeUndefined();
    expect(t.update({ id: "b", status: "Pulling fs layer" })).toBeUndefined();
    expect(t.update({ id: "b", status: "Downloading", progressDetail: { current: 10, total: 100 } })).toEqual({ doneBytes: 10, totalBytes: 100 });
    expect(t.update({ id: "c", status: "Downloading", progressDetail: { current: 5, total: 50 } })).toEqual({ doneBytes: 15, totalBytes: 150 });
    expect(t.update({ id: "b", status: "Download complete" })).toEqual({ doneBytes: 105, totalBytes: 150 });
    expect(t.update({ id: "b", status: "Extracting", progressDetail: { current: 1, total: 100 } })).toBeUndefined();
    expect(t.update({ id: "c", status: "Pull complete" })).toEqual({ doneBytes: 150, totalBytes: 150 });
    expect(t.update({ status: "Digest: sha256:abc" })).toBeUndefined();
  });

  it("formats bytes in decimal units as the docker CLI, and the waiting message", () => {
    expect([0, 999, 1000, 34_512_345, 157_000_000, 1_234_000_000].map(formatBytes)).toEqual(["0 B", "999 B", "1.0 kB", "34.5 MB", "157 MB", "1.2 GB"]);
    expect(pullingMessage("web:v2")).toBe('Pulling image "web:v2"');
    expect(pullingMessage("web:v2", { doneBytes: 45e6, totalBytes: 120e6 })).toBe('Pulling image "web:v2" (45.0 MB / 120 MB)');
  });

  it("prints durations as Kubernetes' Pulled message: truncated to the millisecond, in Go's form", () => {
    expect([1234.9, 523.4, 1200, 60_000, 90_500, 3_723_500, 0.5, 0].map(goDuration)).toEqual(["1.234s", "523ms", "1.2s", "1m0s", "1m30.5s", "1h2m3.5s", "0s", "0s"]);
  });
});
