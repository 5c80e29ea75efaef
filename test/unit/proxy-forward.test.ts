import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "../../kubelet/proxy/backends.js";
import { forwardConnection } from "../../kubelet/proxy/forward.js";
import { ListenerSet } from "../../kubelet/proxy/listeners.js";
import { silentLogger } from "../../lib/logger.js";

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

/** A server on 127.0.0.1 that answers `name:` + what it got once the client half-closes. */
async function echoServer(name: string): Promise<{ port: number; conns: () => number }> {
  let conns = 0;
  const s = net.createServer({ allowHalfOpen: true }, (c) => {
    conns++;
    const chunks: Buffer[] = [];
    c.on("data", (d: Buffer) => chunks.push(d));
    c.on("end", () => c.end(`${name}:${Buffer.concat(chunks).toString()}`));
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  cleanup.push(() => s.close());
  return { port: (s.address() as net.AddressInfo).port, conns: () => conns };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A proxy front on 127.0.0.1 forwarding to `candidates()`. */
async function front(candidates: () => Backend[], onConnected?: (b: Backend) => void): Promise<number> {
  const s = net.createServer({ allowHalfOpen: true }, (c) => forwardConnection(c, candidates(), { onConnected, connectTimeoutMs: 500 }));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  cleanup.push(() => s.close());
  return (s.address() as net.AddressInfo).port;
}

/** Send `msg`, half-close, read the whole answer. */
function ask(port: number, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const chunks: Buffer[] = [];
    c.on("data", (d: Buffer) => chunks.push(d));
    c.on("end", () => (c.end(), resolve(Buffer.concat(chunks).toString())));
    c.on("error", reject);
    c.end(msg);
  });
}

const be = (port: number, key = String(port)): Backend => ({ key, host: "127.0.0.1", port, local: true });

describe("forwardConnection", () => {
  it("pipes both ways and keeps half-close (the answer arrives after the client's FIN)", async () => {
    const a = await echoServer("a");
    const port = await front(() => [be(a.port)]);
    expect(await ask(port, "hello")).toBe("a:hello");
  });

  it("a refused connect moves on to the next backend before any byte is sent", async () => {
    const dead = await freePort();
    const b = await echoServer("b");
    const used: string[] = [];
    const port = await front(() => [be(dead, "dead"), be(b.port, "b")], (x) => used.push(x.key));
    expect(await ask(port, "x")).toBe("b:x");
    expect(used).toEqual(["b"]);
  });

  it("with no backend (or none accepting) the client is reset, not left hanging", async () => {
    const dead = await freePort();
    for (const list of [[], [be(dead)]]) {
      const port = await front(() => list);
      await expect(ask(port, "x")).rejects.toThrow(/ECONNRESET/);
    }
  });

  it("carries 2 MB each way with back-pressure intact", async () => {
    const big = "z".repeat(2 * 1024 * 1024);
    const a = await echoServer("a");
    const port = await front(() => [be(a.port)]);
    const got = await ask(port, big);
    expect(got.length).toBe(big.length + 2);
  });

  it("an upstream that dies mid-stream takes the client connection down", async () => {
    const s = net.createServer((c) => {
      c.write("partial");
      setTimeout(() => c.resetAndDestroy(), 20);
    });
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    cleanup.push(() => s.close());
    const port = await front(() => [be((s.address() as net.AddressInfo).port)]);
    const closed = await new Promise<string>((resolve) => {
      const c = net.connect(port, "127.0.0.1");
      let got = "";
      c.on("data", (d: Buffer) => (got += d.toString()));
      c.on("error", () => undefined);
      c.on("close", () => resolve(got));
    });
    expect(closed).toBe("partial");
  });
});

describe("ListenerSet", () => {
  it("binds, retries a taken address until it is free, and closes without cutting open connections", async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", () => r()));
    const a = await echoServer("a");
    const set = new ListenerSet((sock) => forwardConnection(sock, [be(a.port)]), silentLogger(), async () => undefined, 50);
    const spec = { key: `127.0.0.1:${port}`, ip: "127.0.0.1", port, service: "default/web", portName: "", kind: "nodePort" as const };
    set.reconcile(new Map([[spec.key, spec]]));
    expect(await set.waitBound(spec.key, 200)).toBe(false);
    await new Promise((r) => blocker.close(r));
    expect(await set.waitBound(spec.key, 2000)).toBe(true);
    // An open connection survives the listener's removal (draining).
    const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    await new Promise((r) => c.once("connect", r));
    set.reconcile(new Map());
    expect(set.bound()).toEqual([]);
    const answer = new Promise<string>((resolve) => {
      let got = "";
      c.on("data", (d: Buffer) => (got += d.toString()));
      c.on("end", () => (c.end(), resolve(got)));
    });
    c.end("late");
    expect(await answer).toBe("a:late");
    await expect(ask(port, "x")).rejects.toThrow(/ECONNREFUSED/);
    await set.closeAll();
  });
});
