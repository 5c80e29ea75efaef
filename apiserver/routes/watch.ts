/**
 * Serving a watch: over chunked HTTP (NDJSON, one event per line) or, when the request is a
 * WebSocket upgrade on the same path, one JSON event per text message.
 */
import type { FastifyReply } from "fastify";
import type { WebSocket } from "ws";
import { gone } from "../../lib/errors.js";
import { groupVersion } from "../../lib/kinds.js";
import type { ServerContext } from "../context.js";
import { rid } from "../registry.js";
import { eventLine, type WatchSink } from "../watch/watcher.js";
import type { ResourcePath } from "./paths.js";
import { parseFilter, parseListOptions, qp, type Query } from "./query.js";
import { parseIncludeObject, tableJson } from "./table.js";
import type { KObject } from "../../lib/types.js";

/** Validate every parameter of a watch (400 on any bad one); returns its selection. */
export function checkWatchQuery(rp: ResourcePath, q: Query): ReturnType<typeof parseFilter> {
  parseListOptions(q);
  parseIncludeObject(qp(q, "includeObject"));
  return parseFilter(q, rp.ri.namespaced ? rp.namespace : undefined, rp.name);
}

/** Each watch event's object as a one-row Table (kubectl get -w). */
function tableFormat(rp: ResourcePath, q: Query): (obj: KObject, json: string) => string {
  const include = parseIncludeObject(qp(q, "includeObject"));
  return (obj, json) => tableJson(rp.ri.kind, [{ json, object: () => obj }], `{"resourceVersion":"${obj.metadata.resourceVersion ?? ""}"}`, include);
}

/** Where a WebSocket watcher counts as backed up. */
const WS_HIGH_WATER = 1 << 20;

/** Chunked HTTP transport for a hijacked fastify reply. */
export function httpSink(reply: FastifyReply): WatchSink {
  const res = reply.raw;
  return {
    write: (lines) => res.write(lines.length === 1 ? lines[0]! : lines.join("")),
    onDrain: (cb) => void res.once("drain", cb),
    end: () => {
      if (!res.writableEnded) res.end();
    },
    abort: () => res.destroy(),
    finished: () =>
      res.writableFinished || res.destroyed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            res.once("finish", resolve);
            res.once("close", resolve);
          }),
  };
}

/** WebSocket transport: one event per message; backpressure from `bufferedAmount`. */
export function wsSink(socket: WebSocket): WatchSink {
  return {
    write: (lines) => {
      for (const l of lines) socket.send(l.endsWith("\n") ? l.slice(0, -1) : l);
      return socket.bufferedAmount < WS_HIGH_WATER;
    },
    onDrain: (cb) => {
      // ws has no drain event: poll until the buffer has gone down (or the socket closed).
      const t = setInterval(() => {
        if (socket.readyState !== socket.OPEN || socket.bufferedAmount < WS_HIGH_WATER / 2) {
          clearInterval(t);
          if (socket.readyState === socket.OPEN) cb();
        }
      }, 20);
      t.unref();
    },
    end: () => {
      if (socket.readyState === socket.OPEN) socket.close(1000, "watch ended");
    },
    abort: () => socket.terminate(),
    finished: () => (socket.readyState === socket.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => socket.once("close", () => resolve()))),
  };
}

/**
 * Start a watch on `sink`. A compacted resourceVersion gets one ERROR event (410 Expired) and the
 * stream ends. Returns a function that stops the watch (for the transport's close event).
 * @throws ApiError 400 for any bad parameter (callers that hijack a reply call `checkWatchQuery`
 *   first, so that this cannot happen after the response has started)
 */
export function startWatch(ctx: ServerContext, rp: ResourcePath, q: Query, sink: WatchSink, asTable = false): () => void {
  const filter = checkWatchQuery(rp, q);
  const opts = parseListOptions(q);
  const fromRevision = opts.resourceVersion;
  const res = ctx.hub.watch({
    resource: rid(rp.ri),
    filter,
    sink,
    fromRevision,
    bookmarks: opts.allowWatchBookmarks,
    kind: rp.ri.kind,
    apiVersion: groupVersion(rp.ri),
    timeoutMs: opts.timeoutSeconds === undefined ? undefined : opts.timeoutSeconds * 1000,
    format: asTable ? tableFormat(rp, q) : undefined,
  });
  if (!res.ok) {
    const err = gone(`too old resource version: ${fromRevision} (${res.compactedRevision + 1})`);
    sink.write([eventLine("ERROR", JSON.stringify(err.toStatus()))]);
    sink.end();
    return () => {};
  }
  const w = res.watcher;
  return () => w.end("closed");
}
