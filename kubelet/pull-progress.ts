/**
 * How far an image pull is, from the engine's progress stream: one event per layer step
 * (`Pulling fs layer`, `Downloading` with `progressDetail {current, total}`, `Download complete`,
 * `Extracting`, `Pull complete`, or `Already exists` for a layer the engine has). The bytes are
 * the layers' download sizes summed; layers already present are not part of the pull.
 */

/** One event of the engine's pull stream (the fields used). */
export interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
}

/** Download bytes so far and in all, over the layers whose size is known yet. */
export interface PullProgress {
  doneBytes: number;
  totalBytes: number;
}

const DOWNLOADED = new Set(["Verifying Checksum", "Download complete", "Extracting", "Pull complete"]);

/** Folds pull events into {@link PullProgress}. */
export class PullProgressTracker {
  private readonly layers = new Map<string, { current: number; total: number }>();

  /** Fold one event in; the sums when it changed a layer's bytes, else undefined. */
  update(ev: PullEvent): PullProgress | undefined {
    const id = ev.id;
    if (!id || !ev.status) return undefined;
    const layer = this.layers.get(id);
    if (ev.status === "Downloading") {
      const total = ev.progressDetail?.total ?? 0;
      const current = ev.progressDetail?.current ?? 0;
      if (total <= 0) return undefined;
      this.layers.set(id, { current: Math.min(current, total), total });
    } else if (DOWNLOADED.has(ev.status) && layer && layer.current < layer.total) {
      this.layers.set(id, { ...layer, current: layer.total });
    } else {
      return undefined;
    }
    return this.sums();
  }

  private sums(): PullProgress {
    let doneBytes = 0;
    let totalBytes = 0;
    for (const l of this.layers.values()) {
      doneBytes += l.current;
      totalBytes += l.total;
    }
    return { doneBytes, totalBytes };
  }
}

/** `45 MB`, `1.2 GB`, `512 kB`: decimal units, as the docker CLI prints pull sizes. */
export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** The waiting message while an image is pulled: `Pulling image "web:v2" (45 MB / 120 MB)`. */
export function pullingMessage(image: string, p?: PullProgress): string {
  return p && p.totalBytes > 0 ? `Pulling image "${image}" (${formatBytes(p.doneBytes)} / ${formatBytes(p.totalBytes)})` : `Pulling image "${image}"`;
}
