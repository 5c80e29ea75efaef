/** Streamed HTTP responses (a followed pod log) read from fetch's ReadableStream. */

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
