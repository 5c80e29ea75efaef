/**
 * The web view's windowed board in a real browser (Debian's Chromium, headless) against a real API
 * server with 100 simulated nodes (KWOK-like: they mark bound pods Running and Ready) and 1,060
 * pods bound to them: the page holds every pod (its counts) but only the cards and columns in view
 * are elements; scrolling the board shows the last column, scrolling a crowded column to the
 * bottom shows its last pod, which opens its detail when clicked; a pod a label filter finds is
 * drawn once its column is scrolled to; a pending pod waits in the unscheduled lane with its
 * reason, and a deleted pod's card fades until the pod goes. Screenshots go to
 * test-output/ui-virtual/.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../lib/client.js";
import { silentLogger } from "../../lib/logger.js";
import type { Pod } from "../../lib/types.js";
import { startSimulatedNodes, type SimulatedNodes } from "../../simnode/index.js";
import { launchChromium, outputDir, screenshot, type TestBrowser } from "../helpers/browser.js";
import { eventually } from "../helpers/eventually.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const NODES = 100;
/** 10 pods on each node */
const SPREAD = 1000;
/** and this many more on one node: a column taller than the window */
const CROWD = 60;
const CROWDED = "sim-node-42";
const TOTAL = SPREAD + CROWD;

let srv: TestServer;
let nodes: SimulatedNodes;
let b: TestBrowser;
let page: Page;
const out = outputDir("ui-virtual");

function pod(name: string, nodeName: string, labels: Record<string, string>): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "web", image: "web:v1" }] },
  } as Pod;
}

/** The board's counts: [Ready pods, pods] it holds, drawn or not. */
async function boardCounts(p: Page): Promise<[number, number]> {
  return (await p.evaluate(`(() => { const b = document.querySelector(".board"); return b ? [Number(b.dataset.ready), Number(b.dataset.pods)] : [0, 0]; })()`)) as [number, number];
}

/** Scroll the board so that `node`'s column (columns sort by name, 200 px apart) is first in view. */
async function scrollToColumn(p: Page, node: string): Promise<void> {
  const index = [...nodes.nodeNames].sort().indexOf(node);
  await p.evaluate(`document.querySelector(".board").scrollLeft = ${index * 200}`);
}

beforeAll(async () => {
  srv = await startTestServer();
  nodes = await startSimulatedNodes({ client: new ApiClient({ server: srv.url, token: srv.token }), logger: silentLogger(), count: NODES, heartbeatMs: 0 });
  const pods: Pod[] = [];
  for (let i = 0; i < SPREAD; i++) pods.push(pod(`spread-${String(i).padStart(4, "0")}`, `sim-node-${i % NODES}`, { app: "spread", idx: String(i) }));
  for (let i = 0; i < CROWD; i++) pods.push(pod(`crowd-${String(i).padStart(3, "0")}`, CROWDED, { app: "crowd" }));
  const client = new ApiClient({ server: srv.url, token: srv.token });
  // 8 creates in flight at a time: a few seconds, not a test of the server.
  for (let i = 0; i < pods.length; i += 8) await Promise.all(pods.slice(i, i + 8).map((p) => client.create(p, "default")));
  client.close();
  b = await launchChromium();
  page = await b.context.newPage();
}, 120_000);

afterAll(async () => {
  await b?.close();
  await nodes?.stop();
  await srv?.close();
});

describe("the windowed board", () => {
  it("holds every pod but draws only the columns and cards in view", async () => {
    await page.goto(`${srv.url}/ui/#token=${encodeURIComponent(srv.token)}`);
    await eventually("every pod Ready on the board", async () => {
      const [ready, all] = await boardCounts(page);
      return ready === TOTAL && all === TOTAL;
    }, { timeoutMs: 30_000 });
    expect(await page.textContent('[data-testid="pod-count"]')).toBe(`${TOTAL} pods`);
    const columns = await page.locator("section.node").count();
    const cards = await page.locator(".pod").count();
    // 1440 px wide: about 6 columns of 200 px in view, one more on each side.
    expect(columns).toBeGreaterThan(2);
    expect(columns).toBeLessThan(15);
    expect(cards).toBeGreaterThan(10);
    expect(cards).toBeLessThan(200);
    // The first column (by name) is drawn with its 10 cards.
    expect(await page.locator('section.node[data-node="sim-node-0"] .pod.ready').count()).toBe(10);
    expect(await page.locator('section.node[data-node="sim-node-99"]').count()).toBe(0);
    await screenshot(page, out, "1-first-columns");
  });

  it("scrolling the board to the end shows the last column and its pods", async () => {
    await page.evaluate(`(() => { const b = document.querySelector(".board"); b.scrollLeft = b.scrollWidth; })()`);
    // sim-node-99 sorts last; its pods are spread-0099, spread-0199, ... spread-0999.
    await page.waitForSelector('section.node[data-node="sim-node-99"] .pod.ready[data-pod="spread-0999"]', { timeout: 5000 });
    expect(await page.locator('section.node[data-node="sim-node-99"] .pod').count()).toBe(10);
    expect(await page.locator('section.node[data-node="sim-node-0"]').count()).toBe(0);
    expect(await page.locator(".pod").count()).toBeLessThan(200);
    // The scroll width is still every column's: 100 of 200 px (less the last gap).
    expect((await page.evaluate(`document.querySelector(".board").scrollWidth`)) as number).toBeGreaterThanOrEqual(NODES * 200 - 10);
    await screenshot(page, out, "2-last-columns");
  });

  it("scrolling a crowded column to the bottom shows its last pod, and a click opens it", async () => {
    // Bring the crowded column into view, then scroll its cards to the bottom.
    await scrollToColumn(page, CROWDED);
    const column = `section.node[data-node="${CROWDED}"]`;
    await page.waitForSelector(`${column} .pod`, { timeout: 5000 });
    const drawn = await page.locator(`${column} .pod`).count();
    expect(drawn).toBeLessThan(CROWD);
    expect(await page.locator(`${column} .pod[data-pod="crowd-059"]`).count()).toBe(0);
    await page.evaluate(`(() => { const c = document.querySelector('${column} .cards'); c.scrollTop = c.scrollHeight; })()`);
    // The last by name: its 10 spread pods (spread-0042 ... spread-0942) sort after the crowd.
    const last = `${column} .pod.ready[data-pod="spread-0942"]`;
    await page.waitForSelector(last, { timeout: 5000 });
    expect(await page.locator(`${column} .pod[data-pod="crowd-000"]`).count()).toBe(0);
    await page.click(last);
    const detail = page.locator('[data-testid="pod-detail"]');
    await detail.waitFor({ timeout: 5000 });
    expect(await detail.textContent()).toContain("spread-0942");
    await screenshot(page, out, "3-crowded-column-bottom");
    await page.click('[data-testid="pod-detail"] button.close');
  });

  it("a pod found by a label filter is drawn once its column is scrolled to", async () => {
    await page.evaluate(`document.querySelector(".board").scrollLeft = 0`);
    await page.fill('input[name="labels"]', "idx=777");
    await eventually("the filter applied", async () => (await boardCounts(page))[1] === 1, { timeoutMs: 5000 });
    expect(await boardCounts(page)).toEqual([1, 1]);
    expect(await page.locator(".pod").count()).toBe(0);
    // spread-0777 is on sim-node-77, out of view to the right (every node keeps its column).
    await scrollToColumn(page, "sim-node-77");
    await page.waitForSelector('section.node[data-node="sim-node-77"] .pod.ready[data-pod="spread-0777"]', { timeout: 5000 });
    expect(await page.locator(".pod").count()).toBe(1);
    await page.fill('input[name="labels"]', "");
    await eventually("every pod back", async () => (await boardCounts(page))[1] === TOTAL, { timeoutMs: 5000 });
  });

  it("a pending pod waits in the unscheduled lane with its reason; a deleted one fades, then goes", async () => {
    await page.evaluate(`document.querySelector(".board").scrollLeft = 0`);
    // No scheduler runs here: a pod without a node stays pending.
    await srv.client.create(pod("waiting-one", "", { app: "waiting" }), "default");
    const waiting = 'section.node.unscheduled .pod.noted[data-pod="waiting-one"]';
    await page.waitForSelector(waiting, { timeout: 5000 });
    expect(await page.textContent(waiting)).toContain("waiting for the scheduler");
    expect(await page.textContent("section.node.unscheduled .node-count")).toBe("1 pending");
    // A finalizer holds the deleted pod: the card stays, terminating, and fades.
    await srv.client.create({ ...pod("leaving-one", "sim-node-0", { app: "leaving" }), metadata: { name: "leaving-one", namespace: "default", finalizers: ["kctl.test/hold"] } } as Pod, "default");
    const leaving = 'section.node[data-node="sim-node-0"] .pod[data-pod="leaving-one"]';
    await page.waitForSelector(`${leaving}.ready`, { timeout: 5000 });
    await srv.client.delete("Pod", "leaving-one", { namespace: "default" });
    await page.waitForSelector(`${leaving}.terminating`, { timeout: 5000 });
    await eventually("the card faded", async () => Number(await page.evaluate(`getComputedStyle(document.querySelector('${leaving}')).opacity`)) < 0.5, { timeoutMs: 5000 });
    await screenshot(page, out, "4-pending-and-terminating");
    await srv.client.patch("Pod", "leaving-one", { metadata: { finalizers: null } }, { namespace: "default" });
    await page.waitForSelector(leaving, { state: "detached", timeout: 5000 });
  });
});
