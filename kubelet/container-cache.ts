/**
 * The kubelet's picture of actual state: this node's containers, kept current by the engine's
 * event stream and the kubelet's own actions, and replaced by each periodic relist. A pod sync
 * reads it instead of listing containers.
 *
 * Every write bumps a sequence number; a relist (or an event's inspect) that began before a
 * newer write to the same container does not overwrite it, so a slow list cannot resurrect a
 * container the kubelet just removed or hide one it just created.
 */
import type { ObservedContainer } from "./runtime/types.js";

/** Containers by ID, indexed by pod UID. */
export class ContainerCache {
  private readonly byId = new Map<string, ObservedContainer>();
  /** id -> sequence number of its last write (set or delete) */
  private readonly touched = new Map<string, number>();
  private counter = 0;

  /** The current sequence number: pass it back to `setIfUnchanged`/`replaceAll`. */
  seq(): number {
    return this.counter;
  }

  /** Insert or replace one container. */
  set(c: ObservedContainer): void {
    this.byId.set(c.id, c);
    this.touched.set(c.id, ++this.counter);
  }

  /** Insert or replace one container unless it was written after `since`. */
  setIfUnchanged(c: ObservedContainer, since: number): void {
    if ((this.touched.get(c.id) ?? -1) > since) return;
    this.set(c);
  }

  /** Forget one container. */
  delete(id: string): void {
    this.byId.delete(id);
    this.touched.set(id, ++this.counter);
  }

  /** Forget one container unless it was written after `since`. */
  deleteIfUnchanged(id: string, since: number): void {
    if ((this.touched.get(id) ?? -1) > since) return;
    this.delete(id);
  }

  get(id: string): ObservedContainer | undefined {
    return this.byId.get(id);
  }

  /**
   * Replace everything with a list taken after sequence `since`; containers written after
   * `since` keep their cached state. Returns the pod UIDs whose containers changed.
   */
  replaceAll(list: readonly ObservedContainer[], since: number): Set<string> {
    const changed = new Set<string>();
    const fresh = new Map(list.map((c) => [c.id, c]));
    const recent = (id: string): boolean => (this.touched.get(id) ?? -1) > since;
    for (const [id, old] of this.byId) {
      if (recent(id)) continue;
      const now = fresh.get(id);
      if (!now) {
        this.byId.delete(id);
        changed.add(old.podUid);
      } else if (now.state !== old.state) changed.add(old.podUid);
    }
    for (const c of list) {
      if (recent(c.id)) continue;
      if (!this.byId.has(c.id)) changed.add(c.podUid);
      this.byId.set(c.id, c);
    }
    // forget tombstones older than this relist
    for (const [id, s] of this.touched) if (s <= since && !this.byId.has(id)) this.touched.delete(id);
    return changed;
  }

  /** The containers of one pod (sandboxes included). */
  forPod(uid: string): ObservedContainer[] {
    const out: ObservedContainer[] = [];
    for (const c of this.byId.values()) if (c.podUid === uid) out.push(c);
    return out;
  }

  /** Every pod UID that has containers. */
  podUids(): Set<string> {
    return new Set([...this.byId.values()].map((c) => c.podUid));
  }

  all(): ObservedContainer[] {
    return [...this.byId.values()];
  }
}
