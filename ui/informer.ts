/**
 * A browser informer: lib/informer.ts's semantics for one kind, on fetch.
 *
 * ```
 *   list ──► replace cache ──► watch from the list's resourceVersion
 *     ▲                          │ ADDED/MODIFIED/DELETED ─► cache, onChange (the store batches)
 *     │ 410 Gone                 │ BOOKMARK ─► remember the resourceVersion
 *     └──────────────────────────┤ stream ends ─► watch again from the last resourceVersion
 *                                └ connection drops ─► "reconnecting", capped back-off, resume
 *   403 on list ─► "forbidden": the kind is absent (the token may not read it), not an error
 *   401 anywhere ─► stop (the Api logs the user out)
 * ```
 */
import type { KList, KObject, WatchEvent } from "../lib/types.js";
import { type Api, ApiFailure, isForbidden, isGone, isUnauthorized } from "./api.js";
import { readWatchEvents } from "./watch-stream.js";

/** Where an informer is: a picture is "live" only while its watch is connected. */
export type InformerState = "syncing" | "live" | "reconnecting" | "forbidden" | "stopped";

/** The key of an object in a cache: `namespace/name` or `name`. */
export const keyOf = (o: KObject): string => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ""}` : (o.metadata.name ?? ""));

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;

export class Informer<T extends KObject> {
  readonly cache = new Map<string, T>();
  state: InformerState = "syncing";
  /** list requests made (the first one and every relist) */
  lists = 0;
  /** watch requests made (the first one and every resume) */
  watches = 0;
  private rv = "";
  private abort = new AbortController();
  private backoffMs = BACKOFF_MIN_MS;
  private stopped = false;

  /**
   * @param path the collection path (`/api/v1/pods`, `/api/v1/namespaces/ns/pods`)
   * @param onChange called after every change of cache or state (the store batches the redraws)
   */
  constructor(
    private readonly api: Api,
    readonly path: string,
    private readonly onChange: () => void,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.state = "stopped";
    this.abort.abort();
  }

  private setState(s: InformerState): void {
    if (this.stopped || this.state === s) return;
    this.state = s;
    this.onChange();
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.list();
          needList = false;
        }
        await this.watch();
        // A clean end (the server's watch timeout): resume at once from the last resourceVersion.
      } catch (e) {
        if (this.stopped || (e as Error).name === "AbortError") return;
        if (isUnauthorized(e)) return this.stop();
        if (isForbidden(e)) {
          this.cache.clear();
          this.setState("forbidden");
          return;
        }
        if (isGone(e)) {
          needList = true;
          continue;
        }
        // A dropped connection: say so at once, so no stale picture passes for live.
        this.setState("reconnecting");
        await new Promise((r) => setTimeout(r, this.backoffMs));
        this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
      }
    }
  }

  private async list(): Promise<void> {
    this.lists++;
    const list = await this.api.request<KList<T>>("GET", this.path, { signal: this.abort.signal });
    const fresh = new Map<string, T>();
    for (const o of list.items) fresh.set(keyOf(o), o);
    this.cache.clear();
    for (const [k, o] of fresh) this.cache.set(k, o);
    this.rv = list.metadata.resourceVersion ?? "";
    this.onChange();
  }

  private async watch(): Promise<void> {
    this.watches++;
    const q = `watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.rv)}`;
    const res = await this.api.open("GET", `${this.path}?${q}`, { signal: this.abort.signal });
    this.backoffMs = BACKOFF_MIN_MS;
    this.setState("live");
    await readWatchEvents(res, (ev) => this.apply(ev as WatchEvent<T>));
  }

  private apply(ev: WatchEvent<T>): void {
    const obj = ev.object;
    if (ev.type === "ERROR") {
      const status = obj as unknown as { code?: number; reason?: string; message?: string };
      throw new ApiFailure(status.code ?? 500, status.reason ?? "InternalError", status.message ?? "watch error");
    }
    if (obj.metadata?.resourceVersion) this.rv = obj.metadata.resourceVersion;
    if (ev.type === "BOOKMARK") return;
    if (ev.type === "DELETED") this.cache.delete(keyOf(obj));
    else this.cache.set(keyOf(obj), obj);
    this.onChange();
  }
}
