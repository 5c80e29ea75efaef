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

/** Makes images present before containers are created. */
export class ImageManager {
  private readonly pulls = new Map<string, Promise<void>>();
  /** images seen present (skips an inspect per start; cleared when a create says otherwise) */
  private readonly present = new Set<string>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly recorder: Recorder,
    private readonly logger: Logger,
  ) {}

  /** Forget that an image is present (a create failed with "No such image"). */
  forget(image: string): void {
    this.present.delete(image);
  }

  /** Ensure the container's image is present per its policy. */
  async ensure(pod: Pod, c: Container): Promise<void> {
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
    const started = Date.now();
    try {
      let p = this.pulls.get(c.image);
      if (!p) {
        p = this.runtime
          .pullImage(c.image, (line) => this.logger.debug({ image: c.image, progress: line }, "pulling"))
          .finally(() => this.pulls.delete(c.image));
        this.pulls.set(c.image, p);
      }
      await p;
    } catch (e) {
      const msg = `Failed to pull image "${c.image}": ${(e as Error).message}`;
      this.recorder.event(pod, "Warning", "Failed", msg, fieldPath);
      this.recorder.event(pod, "Warning", "Failed", "Error: ErrImagePull", fieldPath);
      throw new ImageError("ErrImagePull", msg);
    }
    this.present.add(c.image);
    const secs = ((Date.now() - started) / 1000).toFixed(3);
    this.recorder.event(pod, "Normal", "Pulled", `Successfully pulled image "${c.image}" in ${secs}s`, fieldPath);
  }
}
