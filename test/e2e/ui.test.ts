/**
 * The web view in a real browser (Debian's Chromium, headless, driven by playwright-core) against
 * a real API server with the controllers, the scheduler and a kubelet on the real Docker engine,
 * and the real kctl binary: log in through `kctl dashboard`'s link, watch a Deployment appear,
 * a `docker kill` restart, a `kctl set image` rollout; a view token sees no actions; a revoked
 * token is logged out; a dropped watch shows "reconnecting" and resumes. Screenshots of each step
 * go to test-output/ui/.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deployment, Pod } from "../../lib/types.js";
import { launchChromium, outputDir, screenshot, type TestBrowser } from "../helpers/browser.js";
import { kctl } from "../helpers/cli.js";
import { dockerCli, isReady, podsOf, startKubeletCluster, startNodeKubelet, type KubeletCluster } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";

/** The bound for the view to follow the cluster. */
const VIEW_LAG_MS = 2000;

let c: KubeletCluster;
let b: TestBrowser;
let page: Page;
let node: string;
const out = outputDir("ui");

const args = (...a: string[]): string[] => ["--server", c.srv.url, "--token", c.srv.token, ...a];

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 3
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: kctl-test/web:v1
          imagePullPolicy: IfNotPresent
          ports: [{ containerPort: 8080 }]
`;

/** Cards of `node`'s column that are Ready (green), by pod name. */
async function readyCards(p: Page, nodeName: string): Promise<string[]> {
  return p.$$eval(`section.node[data-node="${nodeName}"] .pod.ready`, (els) => els.map((e) => e.getAttribute("data-pod") ?? ""));
}

async function waitLive(p: Page): Promise<void> {
  await p.waitForSelector('[data-testid="liveness"].live', { timeout: 15_000 });
}

beforeAll(async () => {
  c = await startKubeletCluster({ prefix: "kt-ui", kubelet: { backoffBaseMs: 200, backoffCapMs: 1000 } });
  node = c.nodes[0]!;
  b = await launchChromium();
  page = await b.context.newPage();
}, 60_000);

afterAll(async () => {
  await b?.close();
  await c?.close();
});

describe("the web view in Chromium", () => {
  it("serves the page without a token and the data only with one", async () => {
    const html = await fetch(`${c.srv.url}/ui/`);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await html.text()).toContain('src="app.js"');
    const redirect = await fetch(`${c.srv.url}/ui`, { redirect: "manual" });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe("/ui/");
    expect((await fetch(`${c.srv.url}/api/v1/pods`)).status).toBe(401);
  });

  it("kctl dashboard refuses bad flags in one line, changing nothing", async () => {
    const before = (await kctl(args("token", "list"))).stdout;
    for (const [flags, message] of [
      [["--role", "root"], 'error: --role must be view, edit or admin (not "root")\n'],
      [["--ttl", "0s"], "error: --ttl must be positive (the link's token expires)\n"],
    ] as const) {
      const r = await kctl(args("dashboard", ...flags));
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(message);
    }
    expect((await kctl(args("token", "list"))).stdout).toBe(before);
  });

  it("logs in through kctl dashboard's link and shows the node", async () => {
    const r = await kctl(args("dashboard", "--role", "admin", "--ttl", "1h"));
    expect(r.code, r.stderr).toBe(0);
    const url = r.stdout.trim();
    expect(url).toMatch(new RegExp(`^${c.srv.url}/ui/#token=`));
    expect(r.stderr).toMatch(/admin token \w+, expires /);
    await page.goto(url);
    await waitLive(page);
    // The token left the address bar at once.
    expect(page.url()).toBe(`${c.srv.url}/ui/`);
    await page.waitForSelector(`section.node[data-node="${node}"] .node-status:text("Ready")`);
    await screenshot(page, out, "01-logged-in");
  });

  it("a 3-replica Deployment: three Ready cards on the node column within 2 s of Ready", async () => {
    const file = path.join(out, "web.yaml");
    fs.writeFileSync(file, MANIFEST);
    expect((await kctl(args("apply", "-f", file))).code).toBe(0);
    await eventually("3 Ready pods", async () => {
      const ps = await podsOf(c.client, "web");
      return ps.length === 3 && ps.every(isReady);
    }, { timeoutMs: 30_000, intervalMs: 20 });
    const readyAt = Date.now();
    await eventually("3 Ready cards", async () => (await readyCards(page, node)).length === 3, { timeoutMs: VIEW_LAG_MS, intervalMs: 10 });
    const lag = Date.now() - readyAt;
    console.info(`3 Ready cards shown ${lag} ms after the API had them Ready`);
    expect((await readyCards(page, node)).sort()).toEqual((await podsOf(c.client, "web")).map((p) => p.metadata.name).sort());
    await page.waitForSelector('.workload[data-workload="web"] .wl-counts[data-available="3"]', { timeout: VIEW_LAG_MS });
    await screenshot(page, out, "02-deployment-ready");
  });

  it("docker kill: the card shows restarts 1 within 2 s, with a flash", async () => {
    const victim = (await podsOf(c.client, "web"))[0]!;
    const id = victim.status!.containerStatuses![0]!.containerID!.replace("docker://", "");
    const killedAt = Date.now();
    await dockerCli("kill", id);
    await eventually("restartCount 1 in the API", async () => {
      const p = await c.client.get<Pod>("Pod", victim.metadata.name!, "default");
      return p.status?.containerStatuses?.[0]?.restartCount === 1;
    }, { timeoutMs: 15_000, intervalMs: 20 });
    const apiAt = Date.now();
    const card = `.pod[data-pod="${victim.metadata.name}"]`;
    await page.waitForSelector(`${card}[data-restarts="1"]`, { timeout: VIEW_LAG_MS });
    const shownAt = Date.now();
    console.info(`restart: API ${apiAt - killedAt} ms after docker kill, card ${shownAt - apiAt} ms after that (${shownAt - killedAt} ms in all)`);
    await page.waitForSelector(`${card}.flash`, { timeout: VIEW_LAG_MS });
    expect(await page.textContent(card)).toContain("  restarts 1  ");
    await screenshot(page, out, "03-restart-flash");
  });

  it("clicking a card shows the pod's describe-like detail", async () => {
    const p = (await podsOf(c.client, "web"))[1]!;
    await page.click(`.pod[data-pod="${p.metadata.name}"]`);
    const detail = page.locator('[data-testid="pod-detail"]');
    await detail.waitFor();
    const text = await detail.textContent();
    expect(text).toContain(`Pod default/${p.metadata.name}`);
    expect(text).toContain(`ReplicaSet/${p.metadata.ownerReferences![0]!.name}`);
    expect(text).toContain(node);
    expect(text).toContain("kctl-test/web:v1");
    await screenshot(page, out, "04-pod-detail");
    await page.click('[data-testid="pod-detail"] button.close');
  });

  it("the detail follows the pod's log (a node joined with its own credential, as kctl agent does)", async () => {
    const logNode = `${c.run}-logs`;
    const k = await startNodeKubelet(c.srv, logNode, c.run, { heartbeatSeconds: 1 });
    try {
      const script = "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done";
      await c.client.create({
        apiVersion: "v1", kind: "Pod", metadata: { name: "talker", namespace: "default" },
        spec: { nodeName: logNode, terminationGracePeriodSeconds: 0, containers: [{ name: "talk", image: "kctl-test/busybox:v1", imagePullPolicy: "Never", command: ["/bin/sh", "-c", script] }] },
      } as Pod);
      await page.waitForSelector('.pod.ready[data-pod="talker"]', { timeout: 20_000 });
      await page.click('.pod[data-pod="talker"]');
      const log = page.locator('[data-testid="log"]');
      await eventually("log lines", async () => /line \d+/.test((await log.textContent()) ?? ""), { timeoutMs: 10_000 });
      const count = async () => ((await log.textContent()) ?? "").split("\n").filter((l) => l.startsWith("line ")).length;
      const first = await count();
      // Following: lines written after the detail opened keep arriving.
      await eventually("more log lines", async () => (await count()) >= first + 3, { timeoutMs: 10_000 });
      await screenshot(page, out, "05-log-tail");
      await page.click('[data-testid="pod-detail"] button.close');
      await c.client.delete("Pod", "talker", { namespace: "default" });
    } finally {
      await k.stop();
      // Gone with its kubelet: no later pod may be scheduled there.
      await c.client.delete("Node", logNode).catch(() => undefined);
    }
  });

  it("kctl set image: the old/new bars move and end at 0/3, the cards are replaced", async () => {
    const before = new Set((await podsOf(c.client, "web")).map((p) => p.metadata.name!));
    // Record every old/new pair the page shows while the rollout runs.
    // (Page code is a string: the test's TypeScript has no DOM types.)
    await page.evaluate(`(() => {
      const seen = [];
      window.kctlBars = seen;
      const record = () => {
        const el = document.querySelector('.workload[data-workload="web"] .rsbars');
        const pair = el ? el.getAttribute("data-old") + "/" + el.getAttribute("data-new") : "";
        if (pair && seen[seen.length - 1] !== pair) seen.push(pair);
      };
      new MutationObserver(record).observe(document.body, { subtree: true, attributes: true, childList: true });
      record();
    })()`);
    const r = await kctl(args("set", "image", "deployment/web", "web=kctl-test/web:v2"));
    expect(r.code, r.stderr).toBe(0);
    await eventually("the bars moving", async () => ((await page.evaluate("window.kctlBars")) as string[]).some((p) => p !== "0/3"), { timeoutMs: 20_000 });
    await screenshot(page, out, "06-rollout-midway");
    await eventually("rolled out in the API", async () => {
      const ps = await podsOf(c.client, "web");
      return ps.length === 3 && ps.every((p) => isReady(p) && p.spec.containers[0]!.image === "kctl-test/web:v2" && !p.metadata.deletionTimestamp);
    }, { timeoutMs: 40_000 });
    await page.waitForSelector('.workload[data-workload="web"] .rsbars[data-old="0"][data-new="3"]', { timeout: 10_000 });
    const bars = (await page.evaluate("window.kctlBars")) as string[];
    console.info(`old/new bars seen: ${bars.join(" → ")}`);
    expect(bars[0]).toBe("0/3");
    expect(bars[bars.length - 1]).toBe("0/3");
    expect(bars.some((p) => Number(p.split("/")[0]) > 0)).toBe(true);
    await eventually("three v2 cards, none of the old pods", async () => {
      const cards = await page.$$eval(`section.node[data-node="${node}"] .pod`, (els) => els.map((e) => [e.getAttribute("data-pod"), e.getAttribute("data-tag"), e.className]));
      return cards.length === 3 && cards.every(([name, tag, cls]) => !before.has(name!) && tag === "v2" && cls!.includes("ready"));
    }, { timeoutMs: 10_000 });
    await screenshot(page, out, "07-rolled-out");
  });

  it("the admin link may act: rollout undo from the page brings v1 back (the old ReplicaSet scaled up again)", async () => {
    const undo = page.locator('.workload[data-workload="web"] button.undo');
    await undo.waitFor({ timeout: 5000 });
    expect(await undo.getAttribute("data-revision")).toBe("1");
    await undo.click();
    await eventually("the template is v1 again", async () => (await c.client.get<Deployment>("Deployment", "web", "default")).spec.template.spec.containers[0]!.image === "kctl-test/web:v1", { timeoutMs: 5000 });
    await eventually("rolled back in the API", async () => {
      const ps = await podsOf(c.client, "web");
      return ps.length === 3 && ps.every((p) => isReady(p) && p.spec.containers[0]!.image === "kctl-test/web:v1" && !p.metadata.deletionTimestamp);
    }, { timeoutMs: 40_000 });
    // The view follows: three v1 cards, and the undo button now offers revision 2 (v2).
    await eventually("three v1 cards", async () => {
      const cards = await page.$$eval(`section.node[data-node="${node}"] .pod`, (els) => els.map((e) => [e.getAttribute("data-tag"), e.className]));
      return cards.length === 3 && cards.every(([tag, cls]) => tag === "v1" && cls!.includes("ready"));
    }, { timeoutMs: 10_000 });
    await page.waitForSelector('.workload[data-workload="web"] button.undo[data-revision="2"]', { timeout: 5000 });
    await screenshot(page, out, "07b-rolled-back");
  });

  it("the admin link may act: scale from the page", async () => {
    const row = page.locator('.workload[data-workload="web"]');
    await row.locator("button.scale").waitFor({ timeout: 5000 });
    await row.locator("input.replicas").fill("4");
    await row.locator("button.scale").click();
    await page.waitForSelector('.workload[data-workload="web"] .wl-counts[data-desired="4"]', { timeout: 5000 });
    expect((await c.client.get<Deployment>("Deployment", "web", "default")).spec.replicas).toBe(4);
    await eventually("4 Ready cards", async () => (await readyCards(page, node)).length === 4, { timeoutMs: 30_000 });
  });

  it("a view token sees no scale button; revoked, it is logged out with a clear message", async () => {
    const created = await kctl(args("token", "create", "--role", "view", "--ttl", "1h"));
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    const id = /view token (\S+) created/.exec(created.stderr)![1]!;
    const viewer = await b.context.newPage();
    await viewer.goto(`${c.srv.url}/ui/`);
    await viewer.fill('input[name="token"]', token);
    const probe = viewer.waitForResponse((res) => res.url().includes("/deployments/web?dryRun=All"));
    await viewer.click('button[type="submit"]');
    await waitLive(viewer);
    await viewer.waitForSelector('.workload[data-workload="web"]');
    // The access check answered no: the row stays without actions.
    expect((await probe).status()).toBe(403);
    expect(await viewer.locator(".workload button.scale, .workload button.restart, .workload button.undo").count()).toBe(0);
    expect(await viewer.locator(`section.node[data-node="${node}"] .pod`).count()).toBe(4);
    await viewer.click(`section.node[data-node="${node}"] .pod >> nth=0`);
    await viewer.locator('[data-testid="pod-detail"]').waitFor();
    expect(await viewer.locator('[data-testid="pod-detail"] button.delete').count()).toBe(0);
    await screenshot(viewer, out, "08-view-token");

    expect((await kctl(args("token", "revoke", id))).code).toBe(0);
    await viewer.waitForSelector(".login-message", { timeout: 15_000 });
    expect(await viewer.textContent(".login-message")).toMatch(/expired or was revoked/);
    await screenshot(viewer, out, "09-revoked");
    await viewer.close();
  });

  it("a namespaced token sees its namespace only: other kinds and namespaces are absent, not errors", async () => {
    await c.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } });
    const r = await kctl(args("dashboard", "--role", "view", "--ttl", "10m", "-n", "team-a"));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/#token=.+&namespace=team-a$/);
    const p = await b.context.newPage();
    await p.goto(r.stdout.trim());
    await waitLive(p);
    await p.waitForSelector(".workloads .empty");
    expect(await p.locator("section.node").count()).toBe(0);
    expect(await p.locator(".pod").count()).toBe(0);
    expect(await p.locator(".login-message, .action-error").count()).toBe(0);
    expect(await p.inputValue('select[name="namespace"]')).toBe("team-a");
    await p.close();
  });

  it("a dropped connection shows reconnecting, then resumes with what changed meanwhile", async () => {
    // The page reaches the server through a TCP relay the test can cut (as a network would).
    const relay = await startRelay(new URL(c.srv.url).port);
    try {
      const r = await kctl(args("dashboard", "--role", "view", "--ttl", "10m"));
      const viaRelay = r.stdout.trim().replace(c.srv.url, `http://127.0.0.1:${relay.port}`);
      const p = await b.context.newPage();
      await p.goto(viaRelay);
      await waitLive(p);
      await p.waitForSelector('.workload[data-workload="web"] .wl-counts[data-desired="4"]');
      await relay.cut();
      await p.waitForSelector('[data-testid="liveness"].reconnecting', { timeout: 10_000 });
      await screenshot(p, out, "10-reconnecting");
      await c.client.patch("Deployment", "web", { spec: { replicas: 2 } }, { namespace: "default" });
      await relay.restore();
      await waitLive(p);
      await p.waitForSelector('.workload[data-workload="web"] .wl-counts[data-desired="2"]', { timeout: 10_000 });
      await p.close();
    } finally {
      await relay.close();
    }
  });
});

/** A TCP relay to the server on a fixed port: `cut()` drops every connection and refuses new ones until `restore()`. */
async function startRelay(targetPort: string): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const listener = () =>
    net.createServer((down) => {
      const up = net.connect(Number(targetPort), "127.0.0.1");
      for (const s of [down, up]) {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => undefined);
      }
      down.pipe(up).pipe(down);
      down.on("close", () => up.destroy());
      up.on("close", () => down.destroy());
    });
  let server = listener();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const stop = () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return {
    port,
    cut: stop,
    async restore() {
      server = listener();
      await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    },
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}
