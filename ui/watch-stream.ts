/**
 * Read a watch response (NDJSON: one event per line over chunked HTTP) as events, from fetch's
 * ReadableStream. Resolves when the server ends the stream; rejects when the connection drops.
 */
import type { KObject, WatchEvent } from "../lib/types.js";

/** Call `onEvent` for each complete line of `res`'s body, in order. */
export async function readWatchEvents(res: Response, onEvent: (ev: WatchEvent<KObject>) => void): Promise<void> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as WatchEvent<KObject>);
      }
    }
  } finally {
    // A handler that throws (an ERROR event) ends the watch: close the connection too.
    reader.cancel().catch(() => undefined);
  }
}

/** Read a text stream (a followed log) chunk by chunk until it ends or drops. */
export async function readText(res: Response, onText: (text: string) => void): Promise<void> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onText(value);
  }
}
