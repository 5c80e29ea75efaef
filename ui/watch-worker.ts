/**
 * The watch worker (bundled by scripts/build-ui.mjs into dist/ui/watch-worker.js): a dedicated
 * Web Worker that owns the view's lists and watches, off the page's main thread.
 *
 * ```
 *  page ── {start, token, namespace} ──►  one Informer per kind (informer.ts: list, watch from
 *                                         its resourceVersion, 410 relist, drop → resume)
 *                                            │ every event: parse, cache, fold into the batcher
 *  page ◄── one Batch (per kind: replace?, ──┘ (watch-batch.ts: last state of each object)
 *           upserts, deletes, state)          at most one in flight, ≥ FRAME_MS apart
 *  page ── {ack} after applying it and drawing its frame ──► the next batch may go
 *  page ◄── {unauthorized, message} on any 401 (the page logs out and terminates the worker)
 * ```
 *
 * Why: during a scale the watches bring hundreds of messages a second (pods and events). On the
 * main thread each was a task of its own, between the frames; here they cost the page one
 * message per frame. The token comes by postMessage only, never in a URL.
 */
import type { KObject } from "../lib/types.js";
import { Api } from "./api.js";
import { Informer, type InformerChange } from "./informer.js";
import { ChangeBatcher, KIND_NAMES, type KindName, type ToPage, type ToWorker, collectionPath } from "./watch-batch.js";

/** The least time between two batches: about one frame at 60 Hz. */
const FRAME_MS = 16;

/** The worker's global scope, as far as it is used here (ui/tsconfig.json has the DOM types only). */
interface WorkerScope {
  postMessage(message: ToPage): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

const batcher = new ChangeBatcher();
const informers = new Map<KindName, Informer<KObject>>();
/** a batch was posted and the page has not acknowledged it yet */
let inFlight = false;
let lastPost = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let eventsPending = true;
let unauthorized = false;

/** Post the pending changes when the page is ready for them and a frame has passed since the last. */
function schedule(): void {
  if (inFlight || timer !== undefined || !batcher.dirty) return;
  timer = setTimeout(flush, Math.max(0, lastPost + FRAME_MS - performance.now()));
}

function flush(): void {
  timer = undefined;
  const batch = batcher.take();
  if (!batch) return;
  inFlight = true;
  lastPost = performance.now();
  scope.postMessage({ type: "batch", json: JSON.stringify(batch) });
}

function changed(kind: KindName, inf: Informer<KObject>, c: InformerChange<KObject>): void {
  if (c.type === "replace") batcher.replace(kind, inf.cache);
  else if (c.type === "upsert") batcher.upsert(kind, c.key, c.obj);
  else if (c.type === "delete") batcher.delete(kind, c.key);
  else batcher.state(kind, c.state);
  // The events start once the pods are listed: their list is the largest (thousands after a big
  // rollout) and nothing on the board waits for it.
  if (eventsPending && kind === "pods" && inf.state !== "syncing") {
    eventsPending = false;
    informers.get("events")?.start();
  }
  schedule();
}

function start(token: string, namespace: string | undefined): void {
  if (informers.size) return;
  const api = new Api(token, (message) => {
    if (unauthorized) return;
    unauthorized = true;
    scope.postMessage({ type: "unauthorized", message });
  });
  for (const kind of KIND_NAMES) {
    const inf: Informer<KObject> = new Informer<KObject>(api, collectionPath(kind, namespace), (c) => changed(kind, inf, c));
    informers.set(kind, inf);
  }
  for (const [kind, inf] of informers) if (kind !== "events") inf.start();
}

scope.onmessage = (ev) => {
  const m = ev.data;
  if (m.type === "start") start(m.token, m.namespace);
  else if (m.type === "ack") {
    inFlight = false;
    schedule();
  }
};
