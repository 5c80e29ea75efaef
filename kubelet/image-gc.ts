/**
 * Image garbage collection by disk usage, as Kubernetes' kubelet does it: when the filesystem
 * holding the images is fuller than the high threshold (percent), remove images no container
 * uses, least recently used first, until it is back under the low threshold. An image any
 * container of this engine was created from (running or not) is never removed, nor the sandbox
 * image. `planImageGC` is pure (table-tested); `ImageGC` runs it every `periodSeconds`.
 */
import type { Clock, Timer } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { SANDBOX_IMAGE } from "./sandbox-image.js";
import type { ContainerRuntime, RuntimeImage } from "./runtime/types.js";

/** The thresholds (Kubernetes' defaults: 85 and 80). */
export interface ImageGCPolicy {
  highPercent: number;
  lowPercent: number;
}

/** What planImageGC needs. */
export interface ImageGCInput {
  images: readonly RuntimeImage[];
  /** image IDs (sha256:...) and references containers were created from */
  inUse: ReadonlySet<string>;
  /** when each image ID was last seen in use (ms); absent: never, its creation time counts */
  lastUsed: ReadonlyMap<string, number>;
  capacityBytes: number;
  usedBytes: number;
  policy: ImageGCPolicy;
}

/** The images to remove, in order (empty under the high threshold). */
export function planImageGC(input: ImageGCInput): RuntimeImage[] {
  const { capacityBytes, usedBytes, policy } = input;
  if (capacityBytes <= 0) return [];
  if ((usedBytes * 100) / capacityBytes < policy.highPercent) return [];
  let toFree = usedBytes - (capacityBytes * policy.lowPercent) / 100;
  const used = (img: RuntimeImage): boolean => input.inUse.has(img.id) || img.tags.some((t) => input.inUse.has(t) || t === SANDBOX_IMAGE);
  const candidates = input.images
    .filter((img) => !used(img))
    .sort((a, b) => (input.lastUsed.get(a.id) ?? a.createdAt) - (input.lastUsed.get(b.id) ?? b.createdAt) || b.sizeBytes - a.sizeBytes);
  const out: RuntimeImage[] = [];
  for (const img of candidates) {
    if (toFree <= 0) break;
    out.push(img);
    toFree -= img.sizeBytes;
  }
  return out;
}

/** Options of {@link ImageGC}. */
export interface ImageGCOptions {
  runtime: ContainerRuntime;
  /** every container the kubelet knows (the PLEG's cache) */
  containers: () => readonly { image: string; imageID?: string }[];
  policy: ImageGCPolicy;
  clock: Clock;
  logger: Logger;
  /** default 300 (Kubernetes: every 5 minutes) */
  periodSeconds?: number;
}

/** Runs planImageGC periodically and removes what it names. */
export class ImageGC {
  private readonly lastUsed = new Map<string, number>();
  private timer?: Timer;
  private stopped = false;

  constructor(private readonly o: ImageGCOptions) {}

  start(): void {
    const loop = (): void => {
      if (this.stopped) return;
      void this.runOnce()
        .catch((err: unknown) => this.o.logger.warn({ err: (err as Error).message }, "image garbage collection failed"))
        .finally(() => {
          if (!this.stopped) this.timer = this.o.clock.setTimer(loop, (this.o.periodSeconds ?? 300) * 1000);
        });
    };
    this.timer = this.o.clock.setTimer(loop, (this.o.periodSeconds ?? 300) * 1000);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One pass; returns the references of the removed images. */
  async runOnce(): Promise<string[]> {
    const fsUsage = await this.o.runtime.imageFsUsage();
    const images = await this.o.runtime.listImages();
    // In use: what the engine's containers were created from, right now (not the cache alone,
    // which could miss a container created this instant by a sync).
    const containers = [...this.o.containers(), ...(await this.o.runtime.listContainers())];
    const inUse = new Set<string>();
    const now = this.o.clock.now();
    for (const c of containers) {
      inUse.add(c.image);
      if (c.imageID) {
        inUse.add(c.imageID);
        this.lastUsed.set(c.imageID, now);
      }
    }
    const plan = planImageGC({ images, inUse, lastUsed: this.lastUsed, capacityBytes: fsUsage.capacityBytes, usedBytes: fsUsage.usedBytes, policy: this.o.policy });
    const removed: string[] = [];
    for (const img of plan) {
      try {
        await this.o.runtime.removeImage(img.id);
        removed.push(img.tags[0] ?? img.id);
        this.lastUsed.delete(img.id);
      } catch (err) {
        // a container created meanwhile uses it, or another engine client holds it: keep it
        this.o.logger.info({ image: img.tags[0] ?? img.id, err: (err as Error).message }, "image not removed");
      }
    }
    if (removed.length) this.o.logger.info({ removed, usedPercent: Math.round((fsUsage.usedBytes * 100) / fsUsage.capacityBytes) }, "image garbage collection");
    return removed;
  }
}
