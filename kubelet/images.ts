/**
 * Image handling per `imagePullPolicy` (Always / IfNotPresent / Never; when unset, Kubernetes'
 * default by tag: `:latest` or no tag means Always). Concurrent pulls of one image share one
 * request. Failures become ImageError with the waiting reason Kubernetes shows.
 */
import type { Container, Pod } from "../lib/types.js";
import type { Logger } from "../lib/logger.js";
import type { Recorder } from "../lib/events.js";
import { containerFieldPath } from "./container-spec.js";
import type { ContainerRuntime } from "./runtime/types.js";
import { pullingMessage, PullProgressTracker, type PullProgress } from "./pull-progress.js";

/** An image could not be made available: `ErrImagePull` or `ErrImageNeverPull`. */
export class ImageError extends Error {
  constructor(
    readonly reason: "ErrImagePull" | "ErrImageNeverPull",
    message: string,
  ) {
    super(message);
    this.name = "ImageError";
  }
}

/** The effective pull policy of a container. */
export function pullPolicy(c: Container): "Always" | "IfNotPresent" | "Never" {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const ref = c.image.split("@")[0]!;
  const lastSlash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  const tag = colon > lastSlash ? ref.slice(colon + 1) : "";
  return c.image.includes("@") ? "IfNotPresent" : tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

/** One pull in flight, shared by every container that needs its image. */
interface Pull {
  done: Promise<{ sizeBytes?: number }>;
  startedAt: number;
  progress?: PullProgress;
  listeners: Set<(p: PullProgress) => void>;
}

/**
 * A duration as Kubernetes' Pulled message prints one: truncated to the millisecond, then in Go's
 * time.Duration form (`0s`, `523ms`, `1.234s`, `1m0s`, `1h2m3.5s`).
 */
export function goDuration(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  if (whole === 0) return "0s";
  if (whole < 1000) return `${whole}ms`;
  const h = Math.floor(whole / 3_600_000);
  const m = Math.floor((whole % 3_600_000) / 60_000);
  const s = String(Number(((whole % 60_000) / 1000).toFixed(3)));
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}

/** Makes images present before containers are created. */
export class ImageManager {
  private readonly pulls = new Map<string, Pull>();
  /** images seen present (skips an inspect per start; cleared when a create says otherwise) */
  private readonly present = new Set<string>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly recorder: Recorder,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Forget that an image is present (a create failed with "No such image"). */
  forget(image: string): void {
    this.present.delete(image);
  }

  /**
   * Ensure the container's image is present per its policy. While it is pulled, `onProgress`
   * gets the waiting message (`Pulling image "X" (45 MB / 120 MB)`) at the start and whenever the
   * engine reports more bytes; the caller decides how often to show it.
   */
  async ensure(pod: Pod, c: Container, onProgress?: (message: string) => void): Promise<void> {
    const policy = pullPolicy(c);
    const fieldPath = containerFieldPath(pod, c.name);
    if (policy !== "Always") {
      if (this.present.has(c.image) || (await this.runtime.hasImage(c.image))) {
        this.present.add(c.image);
        // What Kubernetes' kubelet says for every container it starts without pulling.
        this.recorder.event(pod, "Normal", "Pulled", `Container image "${c.image}" already present on machine`, fieldPath);
        return;
      }
      if (policy === "Never") {
        const msg = `Container image "${c.image}" is not present with pull policy of Never`;
        this.recorder.event(pod, "Warning", "ErrImageNeverPull", msg, fieldPath);
        throw new ImageError("ErrImageNeverPull", msg);
      }
    }
    this.recorder.event(pod, "Normal", "Pulling", `Pulling image "${c.image}"`, fieldPath);
    const waitStarted = this.now();
    const pull = this.pulls.get(c.image) ?? this.startPull(c.image);
    const listener = onProgress ? (p: PullProgress) => onProgress(pullingMessage(c.image, p)) : undefined;
    if (listener && onProgress) {
      pull.listeners.add(listener);
      onProgress(pullingMessage(c.image, pull.progress));
    }
    let result: { sizeBytes?: number };
    try {
      result = await pull.done;
    } catch (e) {
      const msg = `Failed to pull image "${c.image}": ${(e as Error).message}`;
      this.recorder.event(pod, "Warning", "Failed", msg, fieldPath);
      this.recorder.event(pod, "Warning", "Failed", "Error: ErrImagePull", fieldPath);
      throw new ImageError("ErrImagePull", msg);
    } finally {
      if (listener) pull.listeners.delete(listener);
    }
    this.present.add(c.image);
    const end = this.now();
    // Kubernetes' wording; "including waiting" counts from when this container asked (a pull
    // another container started earlier is shared, not queued, so both are from then).
    const took = goDuration(end - Math.max(pull.startedAt, waitStarted));
    const size = result.sizeBytes !== undefined ? ` Image size: ${result.sizeBytes} bytes.` : "";
    this.recorder.event(pod, "Normal", "Pulled", `Successfully pulled image "${c.image}" in ${took} (${goDuration(end - waitStarted)} including waiting).${size}`, fieldPath);
  }

  private startPull(image: string): Pull {
    const tracker = new PullProgressTracker();
    const pull: Pull = { startedAt: this.now(), listeners: new Set(), done: Promise.resolve({}) };
    this.logger.info({ image }, "pulling image");
    pull.done = this.runtime
      .pullImage(image, (ev) => {
        const p = tracker.update(ev);
        if (!p) return;
        pull.progress = p;
        for (const l of pull.listeners) l(p);
      })
      .finally(() => this.pulls.delete(image));
    this.pulls.set(image, pull);
    return pull;
  }
}
