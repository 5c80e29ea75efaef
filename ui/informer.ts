/**
 * A browser informer: lib/informer.ts's semantics for one kind: list over fetch, watch over a
 * WebSocket (see watch() for why). It runs in the watch worker (watch-worker.ts), off the page's
 * main thread; every change is reported to `onChange`, which the worker folds into its batches.
 *
 * ```
 *   list ──► replace cache ──► watch from the list's resourceVersion
 *     ▲                          │ ADDED/MODIFIED/DELETED ─► cache, onChange (the worker batches)
 *     │ 410 Gone                 │ BOOKMARK ─► remember the resourceVersion
 *     └──────────────────────────┤ stream ends ─► watch again from the last resourceVersion
 *                                └ connection drops ─► "reconnecting", capped back-off, resume
 *   403 on list ─► "forbidden": the kind is absent (the token may not read it), not an error
 *   401 anywhere ─► stop (the Api logs the user out)
 * ```
 */
import type { KList, KObject, WatchEvent } from "../lib/types.js";
import { type Api, ApiFailure, isForbidden, isGone, isUnauthorized } from "./api.js";
import { type InformerState, keyOf } from "./watch-batch.js";

/** What changed in an informer: its whole cache (a list), one object, or its state. */
export type InformerChange<T extends KObject> =
  | { type: "replace" }
  | { type: "upsert"; key: string; obj: T }
  | { type: "delete"; key: string }
  | { type: "state"; state: InformerState };

const BACKOFF_MIN_MS = 250;
/** The subprotocol the server echoes (its WebSocket library takes the first one offered). */
const WATCH_PROTOCOL = "watch.kctl.io";

/** Kubernetes' WebSocket bearer token: `base64url.bearer.authorization.k8s.io.<base64url token>`. */
function bearerProtocol(token: string): string {
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(token)));
  return `base64url.bearer.authorization.k8s.io.${b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

/** A WebSocket that never opened: ask over plain HTTP why (401, 403, 410, or down). */
class HandshakeFailed extends Error {}
const BACKOFF_MAX_MS = 5000;

/** A list + watch cache of one kind's collection path (see the diagram above). */
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
   * @param onChange called after every change of cache or state (the worker batches them)
   */
  constructor(
    private readonly api: Api,
    readonly path: string,
    private readonly onChange: (change: InformerChange<T>) => void,
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
    this.onChange({ type: "state", state: s });
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
          this.onChange({ type: "replace" });
          this.setState("forbidden");
          return;
        }
        if (isGone(e)) {
          needList = true;
          continue;
        }
        if (e instanceof HandshakeFailed) {
          // One cheap request says what the refused upgrade could not: 401/403 end here.
          const why = await this.api.request("GET", `${this.path}?limit=1`, { signal: this.abort.signal }).then(() => undefined, (x: unknown) => x);
          if (isUnauthorized(why)) return this.stop();
          if (isForbidden(why)) {
            this.cache.clear();
            this.onChange({ type: "replace" });
            this.setState("forbidden");
            return;
          }
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
    this.onChange({ type: "replace" });
  }

  /**
   * One watch over a WebSocket (the server's other watch transport, one event per message). Not
   * fetch: a browser opens at most 6 HTTP/1.1 connections to a host, and seven streaming watches
   * would starve each other and every other request of the page; WebSockets do not count there.
   * Browsers cannot set headers on a WebSocket, so the token goes as Kubernetes' bearer
   * subprotocol, after a plain one the server echoes (the token is never echoed back).
   * Resolves on a clean end (the server's watch timeout), rejects when the connection drops.
   */
  private watch(): Promise<void> {
    this.watches++;
    const q = `watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.rv)}`;
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${this.path}?${q}`;
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, [WATCH_PROTOCOL, bearerProtocol(this.api.token)]);
      let opened = false;
      let failure: unknown;
      const onAbort = () => ws.close(1000);
      this.abort.signal.addEventListener("abort", onAbort, { once: true });
      ws.onopen = () => {
        opened = true;
        this.backoffMs = BACKOFF_MIN_MS;
        this.setState("live");
      };
      ws.onmessage = (m: MessageEvent) => {
        if (failure) return;
        try {
          this.apply(JSON.parse(String(m.data)) as WatchEvent<T>);
        } catch (e) {
          failure = e;
          ws.close(1000);
        }
      };
      ws.onclose = (ev: CloseEvent) => {
        this.abort.signal.removeEventListener("abort", onAbort);
        if (this.stopped) return resolve();
        if (failure) return reject(failure);
        // Refused at the handshake (the browser hides the HTTP status) or dropped mid-stream.
        if (!opened) return reject(new HandshakeFailed());
        if (ev.code === 1000) return resolve();
        reject(new Error(`watch connection closed (${ev.code})`));
      };
    });
  }

  private apply(ev: WatchEvent<T>): void {
    const obj = ev.object;
    if (ev.type === "ERROR") {
      const status = obj as unknown as { code?: number; reason?: string; message?: string };
      throw new ApiFailure(status.code ?? 500, status.reason ?? "InternalError", status.message ?? "watch error");
    }
    if (obj.metadata?.resourceVersion) this.rv = obj.metadata.resourceVersion;
    if (ev.type === "BOOKMARK") return;
    const key = keyOf(obj);
    if (ev.type === "DELETED") {
      this.cache.delete(key);
      this.onChange({ type: "delete", key });
    } else {
      this.cache.set(key, obj);
      this.onChange({ type: "upsert", key, obj });
    }
  }
}
