/**
 * Image GC plan: nothing under the high threshold; above it, unused images least recently used
 * first until under the low threshold; images in use (by ID or reference) and the sandbox image
 * are never chosen. Plus one pass of ImageGC on the fake runtime.
 */
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../lib/clock.js";
import { silentLogger } from "../../lib/logger.js";
import { ImageGC, planImageGC } from "../../kubelet/image-gc.js";
import type { RuntimeImage } from "../../kubelet/runtime/types.js";
import { SANDBOX_IMAGE } from "../../kubelet/sandbox-image.js";
import { FakeRuntime } from "../helpers/fake-runtime.js";

const GB = 2 ** 30;
const img = (tag: string, sizeGb: number, createdAt: number): RuntimeImage => ({ id: `sha256:${tag}`, tags: [tag], sizeBytes: sizeGb * GB, createdAt });
const images = [img("old:1", 5, 1), img("mid:1", 5, 2), img("new:1", 5, 3), img("used:1", 50, 0), img(SANDBOX_IMAGE, 1, 0)];
const policy = { highPercent: 85, lowPercent: 80 };

describe("planImageGC", () => {
  it("does nothing under the high threshold", () => {
    expect(planImageGC({ images, inUse: new Set(), lastUsed: new Map(), capacityBytes: 100 * GB, usedBytes: 84 * GB, policy })).toEqual([]);
  });

  it("removes unused images, least recently used first, down to the low threshold", () => {
    const plan = planImageGC({ images, inUse: new Set(["used:1"]), lastUsed: new Map(), capacityBytes: 100 * GB, usedBytes: 90 * GB, policy });
    expect(plan.map((i) => i.tags[0])).toEqual(["old:1", "mid:1"]); // 10 GB frees 90 -> 80
  });

  it("last use beats creation time; an image in use by ID is kept; the sandbox image never goes", () => {
    const plan = planImageGC({ images, inUse: new Set(["sha256:used:1", "sha256:mid:1"]), lastUsed: new Map([["sha256:old:1", 100]]), capacityBytes: 100 * GB, usedBytes: 99 * GB, policy });
    expect(plan.map((i) => i.tags[0])).toEqual(["new:1", "old:1"]);
  });
});

describe("ImageGC on a runtime", () => {
  it("removes only images no container uses", async () => {
    const clock = new FakeClock(0);
    const fake = new FakeRuntime(clock, ["keep:1", "drop:1"]);
    fake.imageFs = { capacityBytes: 10 * GB, usedBytes: 9 * GB };
    const sb = await fake.createSandbox({ podUid: "u", podName: "p", podNamespace: "default", hostname: "p", attempt: 0, ports: [], bindIP: "127.0.0.1" });
    await fake.createContainer({ podUid: "u", podName: "p", podNamespace: "default", containerName: "c", restartCount: 0, sandboxId: sb, image: "keep:1", env: [], binds: [] });
    const gc = new ImageGC({ runtime: fake, containers: () => [], policy, clock, logger: silentLogger() });
    expect(await gc.runOnce()).toEqual(["drop:1"]);
    expect([...fake.images]).toEqual(["keep:1"]);
  });
});
