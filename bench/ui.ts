/**
 * Web view benchmark: a real `kctl server --no-kubelet` (API server + controllers + scheduler, one
 * process) with 100 simulated nodes (bench process) and a 1,000-replica Deployment, watched by
 * the web view in headless Chromium (bench/chromium.ts). Per run, on the same cluster:
 *
 *   1. open the page (logged in by link) with 1,000 pods   -> first render: the board holds all
 *                                                             1,000 Ready pods (drawn when in view:
 *                                                             the board is windowed), ms after load
 *   2. scale to 100, wait until the page shows 100 pods
 *   3. scale to 1,000 under a performance trace            -> frames/s while the page follows (the
 *                                                             worst 1-s window and overall, from the
 *                                                             trace's frames and from rAF), longest
 *                                                             main-thread task, time to 1,000 Ready,
 *                                                             the main thread's message tasks and
 *                                                             the watch worker's CPU
 *      Wall-clock frame rates need an idle machine; the main thread's CPU time (per frame, and
 *      the longest task's) says what the page itself costs on a loaded one.
 *   4. page memory (JS heap used, DOM nodes, also after a GC, card elements) with 1,000 pods; the server's open watches with the
 *      page open minus before it (one watch per kind expected: 7)
 *
 *   5. the control (--control 0 skips it): down to 100 again, the web view closed, a blank page
 *      with the same rAF loop traced during the same scale: the frame rate the browser keeps on
 *      this machine at this load, whatever the page
 *
 * Prints a table (each run and the medians) and one JSON line with the medians.
 * Usage: npm run build && node dist/bench/ui.js [--runs 3] [--nodes 100] [--pods 1000] [--from 100] [--pin 1]
 * (--pin 1: the cluster on CPU 0, Chromium on CPU 1, so the frame rate is the page's own.)
 * KCTL_UI_PROFILE=file.cpuprofile saves the page's CPU profile of step 3 (open it in DevTools).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import { ApiClient } from "../lib/client.js";
import { silentLogger } from "../lib/logger.js";
import type { Deployment } from "../lib/types.js";
import { startSimulatedNodes } from "../simnode/index.js";
import { launchChromium } from "./chromium.js";
import { adminToken, delay, exited, freePort, startServer } from "./server-process.js";
import { median } from "./stats.js";

interface Args {
  runs: number;
  nodes: number;
  pods: number;
  from: number;
  /** 1: the cluster (server, simulated nodes, this process) on CPU 0, Chromium on CPU 1 */
  pin: number;
  /** 1 (default): also trace the scale with a blank page instead of the web view */
  control: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 3, nodes: 100, pods: 1000, from: 100, pin: 0, control: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "") as keyof Args;
    const v = Number(argv[i + 1]);
    if (!(key in a) || !Number.isInteger(v) || v < (key === "pin" || key === "control" ? 0 : 1)) throw new Error(`usage: ui.js [--runs N] [--nodes N] [--pods N] [--from N] [--pin 0|1] [--control 0|1] (bad "${argv[i]}")`);
    a[key] = v;
  }
  return a;
}

interface RunResult {
  /** all cards rendered, ms after the page's load event */
  firstRenderMs: number;
  /** the same, ms after navigation start */
  firstRenderFromNavMs: number;
  /** ms from navigation to the page starting its watch worker, and to the pods' list reaching the page (ui/cluster.ts's marks) */
  workerStartMs: number;
  podsListedMs: number;
  /** frames drawn per second during the scale, from the trace: the worst 1-s window, and overall */
  traceMinFps: number;
  traceFps: number;
  /** frames the trace marks dropped */
  droppedFrames: number;
  /** requestAnimationFrame callbacks per second: worst 1-s window */
  rafMinFps: number;
  /** the longest main-thread task during the scale (ms) */
  longestTaskMs: number;
  /** CPU time of the renderer's main thread during the scale (ms) */
  mainCpuMs: number;
  /** the longest main-thread task's CPU time (ms): over 33 ms a frame would drop even on an idle machine */
  longestTaskCpuMs: number;
  /** main-thread CPU per frame (ms) */
  cpuPerFrameMs: number;
  /** CPU time of the page's watch worker (ui/watch-worker.ts) during the scale (ms): the watches' cost, off the main thread */
  workerCpuMs: number;
  /** messages the page's main thread received during the scale: WebSocket messages before the worker, the worker's batches now */
  mainMessages: number;
  /** scale request → the page shows every pod Ready (ms) */
  scaleShownMs: number;
  heapMb: number;
  domNodes: number;
  /** the same after a garbage collection (detached nodes of earlier renders gone) */
  domNodesAfterGc: number;
  /** pod cards that are elements with every pod shown (the rest are scrolled out of view) */
  cardElements: number;
  pageWatches: number;
  /** the control (--control 1): a blank page's frames/s during the same scale, worst 1-s window and overall */
  controlMinFps: number;
  controlFps: number;
}

/**
 * The board's counts of the pods it holds and of the Ready ones (ui/components/NodeBoard.tsx sets
 * them in the same render as the cards; only the cards in view are elements).
 */
const BOARD_COUNTS = `(() => { const b = document.querySelector(".board"); return b ? [Number(b.dataset.ready), Number(b.dataset.pods)] : [0, 0]; })()`;

/**
 * Page instrumentation, added before the page's own scripts: a rAF loop recording frame times and
 * a DOM observer recording when the board first holds `target` Ready pods.
 */
const INIT = `(() => {
  const b = (window.__bench = { raf: [], target: 0, reachedAt: 0 });
  const tick = (t) => { b.raf.push(t); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new MutationObserver(() => {
    if (b.target && !b.reachedAt && ${BOARD_COUNTS}[0] >= b.target) b.reachedAt = performance.now();
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-ready"] });
})()`;

/** The number of `ts` (ms) in the densest and sparsest whole 1-s windows of [from, to]. */
function minPerSecond(ts: number[], from: number, to: number): number {
  if (to - from < 1000) return (ts.filter((t) => t >= from && t <= to).length * 1000) / Math.max(1, to - from);
  let min = Infinity;
  for (let s = from; s + 1000 <= to; s += 100) min = Math.min(min, ts.filter((t) => t >= s && t < s + 1000).length);
  return min;
}

async function waitCards(page: Page, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [ready, all] = (await page.evaluate(BOARD_COUNTS)) as [number, number];
    if (ready === n && all === n) return;
    if (Date.now() > deadline) throw new Error(`the page shows ${ready} Ready of ${all} pods, not ${n}, after ${timeoutMs} ms`);
    await delay(100);
  }
}

async function openWatches(url: string, token: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  return Number(/^apiserver_open_watches (\d+)$/m.exec(text)?.[1] ?? NaN);
}

async function scaleTo(client: ApiClient, n: number): Promise<void> {
  await client.patch("Deployment", "bench", { spec: { replicas: n } }, { namespace: "default" });
}

/** Collect a Chromium performance trace while `fn` runs. */
async function traced<T>(cdp: CDPSession, fn: () => Promise<T>): Promise<{ result: T; events: TraceEvent[] }> {
  const events: TraceEvent[] = [];
  cdp.on("Tracing.dataCollected", (e) => void events.push(...(e.value as unknown as TraceEvent[])));
  await cdp.send("Tracing.start", {
    transferMode: "ReportEvents",
    traceConfig: { includedCategories: ["devtools.timeline", "disabled-by-default-devtools.timeline.frame", "toplevel"] },
  });
  const result = await fn();
  const done = new Promise<void>((r) => cdp.once("Tracing.tracingComplete", () => r()));
  await cdp.send("Tracing.end");
  await done;
  return { result, events };
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** thread (CPU) time of the event, µs */
  tdur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

async function oneRun(url: string, token: string, client: ApiClient, args: Args): Promise<RunResult> {
  const browser = await launchChromium(args.pin ? { cpus: "1" } : {});
  try {
    const watchesBefore = await openWatches(url, token);
    const page = await browser.context.newPage();
    await page.addInitScript(INIT);
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Performance.enable");
    // 1. first render of every pod
    await page.goto(`${url}/ui/#token=${encodeURIComponent(token)}`);
    await page.evaluate(`window.__bench.target = ${args.pods}; window.__bench.reachedAt = ${BOARD_COUNTS}[0] >= ${args.pods} ? performance.now() : 0`);
    const deadline = Date.now() + 30_000;
    let reached = 0;
    while (!(reached = (await page.evaluate("window.__bench.reachedAt")) as number)) {
      if (Date.now() > deadline) throw new Error("the page did not show every pod within 30 s");
      await delay(50);
    }
    await page.waitForSelector('[data-testid="liveness"].live', { timeout: 30_000 });
    const nav = (await page.evaluate(`(() => { const n = performance.getEntriesByType("navigation")[0]; return [n.loadEventEnd, n.domContentLoadedEventEnd]; })()`)) as [number, number];
    const pageWatches = (await openWatches(url, token)) - watchesBefore;
    const marks = (await page.evaluate(`["kctl:worker-start", "kctl:pods-listed"].map((n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN)`)) as [number, number];

    // 2. down to the starting size
    await scaleTo(client, args.from);
    await waitCards(page, args.from, 60_000);

    // 3. up again, traced
    const profile = process.env.KCTL_UI_PROFILE;
    if (profile) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.start");
    }
    const { result: window, events } = await traced(cdp, async () => {
      const t0 = (await page.evaluate("performance.now()")) as number;
      const started = Date.now();
      await scaleTo(client, args.pods);
      await waitCards(page, args.pods, 120_000);
      const t1 = (await page.evaluate("performance.now()")) as number;
      return { t0, t1, shownMs: Date.now() - started };
    });
    if (profile) {
      fs.writeFileSync(profile, JSON.stringify((await cdp.send("Profiler.stop")).profile));
      fs.writeFileSync(`${profile}.trace.json`, JSON.stringify({ traceEvents: events }));
    }
    const raf = ((await page.evaluate("window.__bench.raf")) as number[]).filter((t) => t >= window.t0 && t <= window.t1);
    const f = frameStats(events, raf, window.t0, window.t1);

    // 4. memory with every pod shown
    await page.evaluate("window.__bench.raf.length = 0");
    const metrics = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
    const metric = (n: string) => metrics.metrics.find((m) => m.name === n)?.value ?? NaN;
    return {
      firstRenderMs: reached - nav[0],
      firstRenderFromNavMs: reached,
      workerStartMs: marks[0],
      podsListedMs: marks[1],
      traceMinFps: f.traceMinFps,
      traceFps: f.traceFps,
      droppedFrames: f.dropped,
      rafMinFps: f.rafMinFps,
      longestTaskMs: f.longestTaskMs,
      mainCpuMs: f.mainCpuMs,
      longestTaskCpuMs: f.longestTaskCpuMs,
      cpuPerFrameMs: f.mainCpuMs / Math.max(1, f.busyFrames),
      workerCpuMs: f.workerCpuMs,
      mainMessages: f.mainMessages,
      scaleShownMs: window.shownMs,
      heapMb: metric("JSHeapUsedSize") / 2 ** 20,
      domNodes: metric("Nodes"),
      domNodesAfterGc: await (async () => {
        await cdp.send("HeapProfiler.collectGarbage");
        const m = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
        return m.metrics.find((x) => x.name === "Nodes")?.value ?? NaN;
      })(),
      cardElements: (await page.evaluate(`document.querySelectorAll(".pod").length`)) as number,
      pageWatches,
      ...(args.control ? await controlRun(browser.context, page, client, args) : { controlMinFps: NaN, controlFps: NaN }),
    };
  } finally {
    await browser.close();
  }
}

/**
 * 5. The control: the same scale with the web view closed and a blank page (only the rAF loop)
 * open instead, in the same browser: the frame rate the browser itself keeps on this machine
 * while the cluster works, the ceiling for the web view's.
 */
async function controlRun(context: BrowserContext, view: Page, client: ApiClient, args: Args): Promise<{ controlMinFps: number; controlFps: number }> {
  await scaleTo(client, args.from);
  await waitCards(view, args.from, 60_000);
  await view.close();
  const page = await context.newPage();
  await page.addInitScript(INIT);
  await page.goto("about:blank");
  await page.setContent("<p>control: a blank page</p>");
  const cdp = await context.newCDPSession(page);
  const { result: w, events } = await traced(cdp, async () => {
    const t0 = (await page.evaluate("performance.now()")) as number;
    await scaleTo(client, args.pods);
    for (const deadline = Date.now() + 120_000; ; await delay(100)) {
      const d = await client.get<Deployment>("Deployment", "bench", "default");
      if (d.status?.readyReplicas === args.pods && d.status.replicas === args.pods) break;
      if (Date.now() > deadline) throw new Error(`the Deployment did not reach ${args.pods} ready pods`);
    }
    return { t0, t1: (await page.evaluate("performance.now()")) as number };
  });
  const raf = ((await page.evaluate("window.__bench.raf")) as number[]).filter((t) => t >= w.t0 && t <= w.t1);
  const f = frameStats(events, raf, w.t0, w.t1);
  await page.close();
  return { controlMinFps: f.traceMinFps, controlFps: f.traceFps };
}

/**
 * The renderer's main thread in a trace (µs timestamps on the trace clock): its frames
 * (BeginMainThreadFrame: the page's rAF loop asks for one every vsync, so a busy thread shows as
 * missing frames), dropped frames, its longest task, its CPU time; and the rAF callbacks' times
 * (ms, page clock) within [t0, t1].
 */
function frameStats(events: TraceEvent[], raf: number[], t0: number, t1: number) {
  const names = new Map(events.filter((e) => e.name === "thread_name").map((e) => [`${e.pid}:${e.tid}`, (e.args as { name?: string } | undefined)?.name]));
  const onMain = (e: TraceEvent) => names.get(`${e.pid}:${e.tid}`) === "CrRendererMain";
  const frameTs = events.filter((e) => e.name === "BeginMainThreadFrame" && onMain(e)).map((e) => e.ts / 1000);
  const first = Math.min(...frameTs);
  const last = Math.max(...frameTs);
  const mainTasks = events.filter((e) => e.name === "ThreadControllerImpl::RunTask" && e.ph === "X" && onMain(e));
  const workerTasks = events.filter((e) => e.name === "ThreadControllerImpl::RunTask" && e.ph === "X" && names.get(`${e.pid}:${e.tid}`) === "DedicatedWorker thread");
  // A message handler's call on the main thread (a WebSocket's or the worker's onmessage).
  const isMessage = (e: TraceEvent) => e.name === "FunctionCall" && /onmessage/.test(String((e.args as { data?: { functionName?: string } } | undefined)?.data?.functionName ?? ""));
  return {
    traceMinFps: minPerSecond(frameTs, first, last),
    traceFps: (frameTs.length * 1000) / Math.max(1, last - first),
    dropped: events.filter((e) => e.name === "DroppedFrame").length,
    rafMinFps: minPerSecond(raf, t0, t1),
    longestTaskMs: Math.max(0, ...mainTasks.map((e) => (e.dur ?? 0) / 1000)),
    // CPU time (not wall time) of the main thread: what the page costs, whatever else runs on the machine.
    mainCpuMs: mainTasks.reduce((n, e) => n + (e.tdur ?? 0), 0) / 1000,
    longestTaskCpuMs: Math.max(0, ...mainTasks.map((e) => (e.tdur ?? 0) / 1000)),
    busyFrames: events.filter((e) => e.name === "FireAnimationFrame" && onMain(e)).length,
    workerCpuMs: workerTasks.reduce((n, e) => n + (e.tdur ?? 0), 0) / 1000,
    mainMessages: events.filter((e) => isMessage(e) && onMain(e)).length,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-ui-"));
  const port = await freePort();
  const server = await startServer(dir, port);
  if (args.pin) {
    // The cluster gets CPU 0 and the browser CPU 1: the page's frame rate then shows what the
    // page does with a core of its own, not how much of the two the 900 pod creations leave it.
    for (const pid of [process.pid, server.pid!]) execFileSync("taskset", ["-a", "-p", "-c", "0", String(pid)], { stdio: "ignore" });
  }
  const url = `http://127.0.0.1:${port}`;
  const token = adminToken(dir);
  const client = new ApiClient({ server: url, token, requestTimeoutMs: 120_000 });
  const nodes = await startSimulatedNodes({ client: new ApiClient({ server: url, token }), logger: silentLogger(), count: args.nodes, pods: Math.ceil((args.pods * 2) / args.nodes) });
  const results: RunResult[] = [];
  try {
    await client.create<Deployment>({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "bench", namespace: "default" },
      spec: {
        replicas: args.pods,
        selector: { matchLabels: { app: "bench" } },
        template: { metadata: { labels: { app: "bench" } }, spec: { containers: [{ name: "web", image: "web:v1", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] } },
      },
    } as Deployment, "default");
    for (let i = 0; i < args.runs; i++) {
      await scaleTo(client, args.pods);
      for (const deadline = Date.now() + 120_000; ; await delay(200)) {
        const d = await client.get<Deployment>("Deployment", "bench", "default");
        if (d.status?.availableReplicas === args.pods && d.status.replicas === args.pods) break;
        if (Date.now() > deadline) throw new Error(`the Deployment did not reach ${args.pods} available pods`);
      }
      results.push(await oneRun(url, token, client, args));
    }
  } finally {
    await nodes.stop();
    client.close();
    server.kill("SIGTERM");
    await Promise.race([exited(server), delay(10_000)]);
    if (server.exitCode === null) server.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const cols: [string, (r: RunResult) => number, number][] = [
    ["first render (ms after load)", (r) => r.firstRenderMs, 0],
    ["first render (ms from navigation)", (r) => r.firstRenderFromNavMs, 0],
    ["watch worker started (ms from navigation)", (r) => r.workerStartMs, 0],
    ["pods' list on the page (ms from navigation)", (r) => r.podsListedMs, 0],
    [`fps during ${args.from}→${args.pods}, worst 1 s (trace)`, (r) => r.traceMinFps, 0],
    ["fps overall (trace)", (r) => r.traceFps, 0],
    ["dropped frames (trace)", (r) => r.droppedFrames, 0],
    ["fps worst 1 s (rAF)", (r) => r.rafMinFps, 0],
    ["longest main-thread task (ms)", (r) => r.longestTaskMs, 0],
    ["main-thread CPU during the scale (ms)", (r) => r.mainCpuMs, 0],
    ["longest task, CPU time (ms)", (r) => r.longestTaskCpuMs, 0],
    ["main-thread CPU per frame (ms)", (r) => r.cpuPerFrameMs, 1],
    ["main-thread message tasks during the scale", (r) => r.mainMessages, 0],
    ["watch worker CPU during the scale (ms)", (r) => r.workerCpuMs, 0],
    [`scale → ${args.pods} Ready cards (ms)`, (r) => r.scaleShownMs, 0],
    ["JS heap used (MB)", (r) => r.heapMb, 1],
    ["DOM nodes", (r) => r.domNodes, 0],
    ["DOM nodes after a GC", (r) => r.domNodesAfterGc, 0],
    ["pod card elements", (r) => r.cardElements, 0],
    ["server watches for the page", (r) => r.pageWatches, 0],
    ["control: blank page fps, worst 1 s (trace)", (r) => r.controlMinFps, 0],
    ["control: blank page fps overall (trace)", (r) => r.controlFps, 0],
  ];
  process.stdout.write(`web view benchmark: ${args.pods} pods on ${args.nodes} simulated nodes, headless Chromium (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)\n`);
  const header = ["", ...results.map((_, i) => `run ${i + 1}`), "median"];
  const rows = cols.map(([name, f, digits]) => [name, ...results.map((r) => f(r).toFixed(digits)), median(results.map(f)).toFixed(digits)]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}\n`);
  const med = (f: (r: RunResult) => number) => Math.round(median(results.map(f)) * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({
      bench: "ui",
      nodes: args.nodes,
      pods: args.pods,
      runs: args.runs,
      results: {
        firstRenderMs: med((r) => r.firstRenderMs),
        firstRenderFromNavMs: med((r) => r.firstRenderFromNavMs),
        workerStartMs: med((r) => r.workerStartMs),
        podsListedMs: med((r) => r.podsListedMs),
        traceMinFps: med((r) => r.traceMinFps),
        traceFps: med((r) => r.traceFps),
        droppedFrames: med((r) => r.droppedFrames),
        rafMinFps: med((r) => r.rafMinFps),
        longestTaskMs: med((r) => r.longestTaskMs),
        mainCpuMs: med((r) => r.mainCpuMs),
        longestTaskCpuMs: med((r) => r.longestTaskCpuMs),
        cpuPerFrameMs: med((r) => r.cpuPerFrameMs),
        mainMessages: med((r) => r.mainMessages),
        workerCpuMs: med((r) => r.workerCpuMs),
        scaleShownMs: med((r) => r.scaleShownMs),
        heapMb: med((r) => r.heapMb),
        domNodes: med((r) => r.domNodes),
        domNodesAfterGc: med((r) => r.domNodesAfterGc),
        cardElements: med((r) => r.cardElements),
        pageWatches: med((r) => r.pageWatches),
        controlMinFps: med((r) => r.controlMinFps),
        controlFps: med((r) => r.controlFps),
      },
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`ui bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
