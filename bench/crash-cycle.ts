/**
 * Crash cycles against a real `kctl server --no-kubelet` process: concurrent writers and readers
 * and a watch, `kill -9` in the middle of the burst, restart on the same data dir, then check
 * what Kubernetes clients rely on:
 *
 *   lost             acknowledged creates missing after the restart (must be 0)
 *   visibleThenLost  objects a reader or the watch was shown that are gone or changed (must be 0)
 *   revisionAhead    list revisions shown above the restarted server's revision (must be 0)
 *   reused           revisions served before the crash that name another write after it (must be 0)
 *   watchMissed      writes after the restart that a watch resumed from the last revision seen
 *                    before the crash did not deliver (must be 0)
 *
 * Used by test/integration/crash-durability.test.ts (a few cycles) and bench/crash.ts (many).
 * Traffic goes to 127.0.0.1 only; every loop is bounded by count and time.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { seededRandom } from "../lib/seeded-random.js";
import { adminToken, delay, exited, freePort, startServer } from "./server-process.js";

const NS = "default";

export interface CrashOptions {
  cycles: number;
  /** concurrent writers during a burst */
  writers?: number;
  /** concurrent list/get readers during a burst */
  readers?: number;
  /** the burst lasts a random time in [minBurstMs, maxBurstMs] before kill -9 */
  minBurstMs?: number;
  maxBurstMs?: number;
  /** writes after each restart that the resumed watch must deliver */
  afterWrites?: number;
  /** seeded randomness for the burst lengths */
  random?: () => number;
}

export interface CrashReport {
  cycles: number;
  acknowledged: number;
  lost: number;
  visibleThenLost: number;
  revisionAhead: number;
  reused: number;
  watchMissed: number;
  /** objects committed but never acknowledged (the writer was cut off): allowed, for information */
  unacknowledgedSurvivors: number;
}

interface Seen {
  /** object name -> resourceVersion, as some reader or the watch was shown it */
  objects: Map<string, number>;
  /** the highest list or event revision any reader was shown */
  maxRevision: number;
}

/** Run `opts.cycles` crash cycles on one data dir and report the totals. */
export async function runCrashCycles(opts: CrashOptions): Promise<CrashReport> {
  const random = opts.random ?? seededRandom(1);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-crash-"));
  const port = await freePort();
  const report: CrashReport = { cycles: 0, acknowledged: 0, lost: 0, visibleThenLost: 0, revisionAhead: 0, reused: 0, watchMissed: 0, unacknowledgedSurvivors: 0 };
  let server = await startServer(dataDir, port);
  try {
    const token = adminToken(dataDir);
    const api = new Api(`http://127.0.0.1:${port}`, token);
    for (let cycle = 0; cycle < opts.cycles; cycle++) {
      const acked = new Map<string, number>();
      const attempted = new Set<string>();
      const seen: Seen = { objects: new Map(), maxRevision: 0 };
      const burst = { on: true };
      const startRev = (await api.list()).rev;
      const watch = api.watch(startRev, seen);
      const workers: Promise<void>[] = [];
      for (let w = 0; w < (opts.writers ?? 8); w++) workers.push(writer(api, `c${cycle}-w${w}`, acked, attempted, burst));
      for (let r = 0; r < (opts.readers ?? 2); r++) workers.push(reader(api, seen, acked, burst));
      const minMs = opts.minBurstMs ?? 300;
      const burstMs = minMs + random() * ((opts.maxBurstMs ?? 1200) - minMs);
      await delay(burstMs);
      server.kill("SIGKILL");
      await exited(server);
      burst.on = false;
      await Promise.allSettled(workers);
      watch.stop();
      server = await startServer(dataDir, port);

      const after = await api.list();
      const byName = new Map(after.items.map((o) => [o.name, o.rev]));
      for (const [name, rev] of acked) if (byName.get(name) !== rev) report.lost++;
      for (const [name, rev] of seen.objects) if (byName.get(name) !== rev) report.visibleThenLost++;
      if (seen.maxRevision > after.rev) report.revisionAhead++;
      for (const name of attempted) if (!acked.has(name) && byName.has(name)) report.unacknowledgedSurvivors++;
      // New writes must get revisions above everything served before the crash, and a watch
      // resumed from the last revision seen must deliver every write after it.
      const resumed = api.watch(seen.maxRevision, { objects: new Map(), maxRevision: 0 });
      const fresh = new Map<string, number>();
      for (let i = 0; i < (opts.afterWrites ?? 10); i++) {
        const name = `c${cycle}-after-${i}`;
        const rev = await api.create(name);
        if (rev <= seen.maxRevision) report.reused++;
        fresh.set(name, rev);
      }
      const committedAfterSeen = [...after.items.filter((o) => o.rev > seen.maxRevision).map((o) => o.name), ...fresh.keys()];
      await resumed.until((names) => committedAfterSeen.every((n) => names.has(n)), 5_000);
      report.watchMissed += committedAfterSeen.filter((n) => !resumed.names.has(n)).length;
      resumed.stop();
      report.acknowledged += acked.size;
      report.cycles++;
    }
  } finally {
    server.kill("SIGKILL");
    await exited(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return report;
}

async function writer(api: Api, prefix: string, acked: Map<string, number>, attempted: Set<string>, burst: { on: boolean }): Promise<void> {
  for (let i = 0; burst.on && i < 100_000; i++) {
    const name = `${prefix}-${i}`;
    attempted.add(name);
    try {
      acked.set(name, await api.create(name));
    } catch {
      return; // the server died under us: this create is unacknowledged
    }
  }
}

async function reader(api: Api, seen: Seen, acked: Map<string, number>, burst: { on: boolean }): Promise<void> {
  for (let i = 0; burst.on && i < 100_000; i++) {
    try {
      const l = await api.list();
      seen.maxRevision = Math.max(seen.maxRevision, l.rev);
      for (const o of l.items) seen.objects.set(o.name, o.rev);
      // A GET of an object acknowledged a moment ago.
      const last = [...acked.keys()].pop();
      if (last) {
        const rev = await api.get(last);
        if (rev !== undefined) seen.objects.set(last, rev);
      }
    } catch {
      return;
    }
  }
}

interface ListedObject {
  name: string;
  rev: number;
}

/** The few calls the cycles make, over plain HTTP with the admin token. */
class Api {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  private async call(method: string, p: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${this.base}${p}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  async create(name: string): Promise<number> {
    const r = await this.call("POST", `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: name } });
    if (r.status !== 201) throw new Error(`create ${name}: ${r.status}`);
    return Number((r.json.metadata as { resourceVersion: string }).resourceVersion);
  }

  async get(name: string): Promise<number | undefined> {
    const r = await this.call("GET", `/api/v1/namespaces/${NS}/configmaps/${name}`);
    return r.status === 200 ? Number((r.json.metadata as { resourceVersion: string }).resourceVersion) : undefined;
  }

  async list(): Promise<{ rev: number; items: ListedObject[] }> {
    const r = await this.call("GET", `/api/v1/namespaces/${NS}/configmaps`);
    if (r.status !== 200) throw new Error(`list: ${r.status}`);
    const items = r.json.items as { metadata: { name: string; resourceVersion: string } }[];
    return {
      rev: Number((r.json.metadata as { resourceVersion: string }).resourceVersion),
      items: items.map((o) => ({ name: o.metadata.name, rev: Number(o.metadata.resourceVersion) })),
    };
  }

  /** A watch from `rev`; every object it is shown is recorded in `seen`. */
  watch(rev: number, seen: Seen): { names: Set<string>; stop(): void; until(pred: (names: Set<string>) => boolean, timeoutMs: number): Promise<void> } {
    const names = new Set<string>();
    const ctl = new AbortController();
    let wake = (): void => undefined;
    void (async () => {
      try {
        const res = await fetch(`${this.base}/api/v1/namespaces/${NS}/configmaps?watch=1&resourceVersion=${rev}`, { headers: { authorization: `Bearer ${this.token}` }, signal: ctl.signal });
        const dec = new TextDecoder();
        let buf = "";
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += dec.decode(chunk, { stream: true });
          let nl: number;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const ev = JSON.parse(buf.slice(0, nl)) as { type: string; object: { metadata: { name: string; resourceVersion: string } } };
            buf = buf.slice(nl + 1);
            if (ev.type !== "ADDED") continue;
            const r = Number(ev.object.metadata.resourceVersion);
            names.add(ev.object.metadata.name);
            seen.objects.set(ev.object.metadata.name, r);
            seen.maxRevision = Math.max(seen.maxRevision, r);
            wake();
          }
        }
      } catch {
        // aborted, or the server died: what was seen is recorded
      }
    })();
    return {
      names,
      stop: () => ctl.abort(),
      until: (pred, timeoutMs) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          wake = () => {
            if (pred(names)) {
              clearTimeout(timer);
              resolve();
            }
          };
          wake();
        }),
    };
  }
}

