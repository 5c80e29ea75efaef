/**
 * Progress on a long image pull, on a real engine and the local registry (127.0.0.1:5000): an
 * image with a 150 MB random layer (built and pushed once, removed from the engine before each
 * test so it is really pulled) shows its bytes in the pod's waiting message, in `kctl rollout
 * status`, in `kctl apply --wait` and in `kctl describe pod`; the Pulled event says how long and how big, as Kubernetes'
 * does; a failing pull is named in rollout status, with Kubernetes' Failed and BackOff events.
 *
 * Loopback downloads 150 MB in a blink, so the pull goes through a bandwidth-limited TCP relay
 * on 127.0.0.1 (about 40 MB/s, a fast LAN) in front of the same registry: the pull takes
 * seconds, as from a real registry, and the bytes can be seen growing.
 *
 * The Deployment is created unschedulable (a nodeSelector no node has) and `rollout status` is
 * running before the node gets the label, so the pull cannot be over before anyone looks.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deployment, Event, Node, Pod } from "../../lib/types.js";
import { kctl, startKctl } from "../helpers/cli.js";
import { dockerCli, startKubeletCluster, type KubeletCluster } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";

const BIG = "127.0.0.1:5000/kctl-test/big:v1";
/** where the test's pods pull it from: the relay (set in beforeAll) */
let SLOW_BIG = "";
const LABEL = "kctl-test/pull-here";
const BYTES = /\((\d+(?:\.\d+)?) ([kMG]?B) \/ (\d+(?:\.\d+)?) ([kMG]?B)\)/;
let c: KubeletCluster;
let node: string;
const k = (...args: string[]) => kctl(["--server", c.srv.url, "--token", c.srv.token, ...args], { timeoutMs: 120_000 });

/** Build and push the big image unless the registry has it already. */
async function ensureBigImage(): Promise<void> {
  const res = await fetch("http://127.0.0.1:5000/v2/kctl-test/big/manifests/v1", { method: "HEAD", headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" } }).catch(() => undefined);
  if (res?.ok) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-big-"));
  try {
    const fd = fs.openSync(path.join(dir, "blob"), "w");
    for (let i = 0; i < 150; i++) fs.writeSync(fd, randomBytes(1 << 20));
    fs.closeSync(fd);
    fs.writeFileSync(path.join(dir, "Dockerfile"), 'FROM kctl-test/busybox:v1\nCOPY blob /blob\nCMD ["/bin/sh","-c","trap \'exit 0\' TERM; while true; do sleep 1; done"]\n');
    await dockerCli("build", "-q", "-t", BIG, dir);
    await dockerCli("push", BIG);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A TCP relay to `port` that sends the replies at about `bytesPerSecond` (in 50 ms slices). */
async function slowRelay(port: number, bytesPerSecond: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    client.pipe(upstream);
    let budget = bytesPerSecond / 20;
    const refill = setInterval(() => {
      budget = bytesPerSecond / 20;
      if (upstream.isPaused()) upstream.resume();
    }, 50);
    upstream.on("data", (d: Buffer) => {
      client.write(d);
      budget -= d.length;
      if (budget <= 0) upstream.pause();
    });
    const close = () => {
      clearInterval(refill);
      client.destroy();
      upstream.destroy();
    };
    upstream.on("end", () => client.end()).on("error", close).on("close", close);
    client.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

let relay: net.Server;

beforeAll(async () => {
  await promisify(execFile)("bash", ["scripts/local-registry.sh"], { timeout: 120_000 });
  await ensureBigImage();
  relay = await slowRelay(5000, 40e6);
  SLOW_BIG = `127.0.0.1:${(relay.address() as net.AddressInfo).port}/kctl-test/big:v1`;
  c = await startKubeletCluster({ prefix: "kt-pull", kubelet: { backoffBaseMs: 500, backoffCapMs: 2000 } });
  node = c.nodes[0]!;
}, 240_000);
afterAll(async () => {
  await c?.close();
  relay?.close();
  await dockerCli("rmi", "-f", SLOW_BIG).catch(() => "");
});

/** `45 MB` -> bytes */
const bytesOf = (n: string, unit: string) => Number(n) * ({ B: 1, kB: 1e3, MB: 1e6, GB: 1e9 } as Record<string, number>)[unit]!;

function deployment(name: string, image: string): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector: { [LABEL]: "yes" }, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image, imagePullPolicy: "Always" }] },
      },
    },
  };
}

/** Give the node the label the Deployments select: from now on their pods are scheduled. */
async function openNode(): Promise<void> {
  const n = await c.client.get<Node>("Node", node);
  if (n.metadata.labels?.[LABEL] === "yes") return;
  await c.client.update<Node>({ ...n, metadata: { ...n.metadata, labels: { ...(n.metadata.labels ?? {}), [LABEL]: "yes" } } });
}

describe("image pull progress", () => {
  it("a long pull shows its bytes in the pod status, rollout status, apply --wait and describe; Pulled says how long and how big", async () => {
    await dockerCli("rmi", "-f", BIG, SLOW_BIG).catch(() => "");
    const manifest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kctl-pull-")), "big.json");
    fs.writeFileSync(manifest, JSON.stringify(deployment("big", SLOW_BIG)));
    const apply = startKctl(["--server", c.srv.url, "--token", c.srv.token, "apply", "--wait", "--timeout", "120s", "-f", manifest]);
    await apply.waitFor((o) => o.includes("deployment.apps/big created"), 30_000);
    const status = startKctl(["--server", c.srv.url, "--token", c.srv.token, "rollout", "status", "deploy/big"]);
    // every waiting message the pod shows, from a watch started before the pull can begin
    const messages: string[] = [];
    const watch = c.client.watch<Pod>("Pod", { namespace: "default", labelSelector: "app=big" }, (ev) => {
      const m = ev.object.status?.containerStatuses?.[0]?.state?.waiting?.message;
      if (m) messages.push(m);
    });
    try {
      await status.waitFor((o) => o.includes('Waiting for deployment "big" rollout to finish'), 30_000);
      await openNode();
      await status.waitFor((o) => o.includes('deployment "big" successfully rolled out'), 120_000);
      await apply.waitFor((o) => o.includes('deployment.apps/big: deployment "big" successfully rolled out'), 30_000);
    } finally {
      watch.stop();
      await status.kill();
      await apply.kill();
      fs.rmSync(path.dirname(manifest), { recursive: true, force: true });
    }
    // apply --wait's live line (a new line per change off a terminal) shows the same pull
    expect(apply.stdout(), apply.stdout()).toMatch(/^deployment\.apps\/big: Waiting for deployment "big" rollout to finish: .* \(pulling image "127\.0\.0\.1:\d+\/kctl-test\/big:v1": \d+(\.\d+)? [kMG]?B \/ \d+(\.\d+)? [kMG]?B\)$/m);
    const lines = status.stdout().split("\n");
    console.info(`rollout status during the pull:\n${status.stdout()}pod waiting messages:\n${[...new Set(messages)].join("\n")}`);
    const escaped = SLOW_BIG.replace(/[.]/g, "\\.");
    // rollout status names the pull with its bytes, and shows them grow (a new line per change)
    const pullLines = lines.filter((l) => new RegExp(`^Waiting for deployment "big" rollout to finish: .* \\(pulling image "${escaped}": \\d`).test(l));
    expect(pullLines.length, status.stdout()).toBeGreaterThanOrEqual(2);
    // the pod's waiting message: bytes done below the total at some point, and never above it
    const progress = messages.filter((m) => m.startsWith(`Pulling image "${SLOW_BIG}" (`)).map((m) => BYTES.exec(m)!).map((x) => ({ done: bytesOf(x[1]!, x[2]!), total: bytesOf(x[3]!, x[4]!) }));
    expect(progress.some((p) => p.done < p.total), messages.join("\n")).toBe(true);
    expect(progress.every((p) => p.done <= p.total && p.total > 100e6), messages.join("\n")).toBe(true);

    const pod = (await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=big" })).items[0]!;
    const events = (await c.client.list<Event>("Event", { namespace: "default" })).items.filter((e) => e.involvedObject.name === pod.metadata.name);
    expect(events.find((e) => e.reason === "Pulling")?.message).toBe(`Pulling image "${SLOW_BIG}"`);
    expect(events.find((e) => e.reason === "Pulled")?.message).toMatch(new RegExp(`^Successfully pulled image "${escaped}" in [\\d.]+m?s \\([\\d.]+m?s including waiting\\)\\. Image size: \\d{9} bytes\\.$`));
    const described = await k("describe", "pod", pod.metadata.name!);
    expect(described.stdout).toMatch(new RegExp(`Normal\\s+Pulled\\s+.*Successfully pulled image "${escaped}" in `));
  }, 180_000);

  it("a pull that fails: Failed (the engine's message) and BackOff events as Kubernetes', and rollout status names it", async () => {
    await openNode();
    const image = "127.0.0.1:5000/kctl-test/big:no-such-tag";
    await c.client.create(deployment("nopull", image));
    const r = await k("rollout", "status", "deploy/nopull", "--timeout", "15s");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Waiting for deployment "nopull" rollout to finish: .* \(pod nopull-[a-z0-9]+-[a-z0-9]+: (ErrImagePull|ImagePullBackOff): .*no-such-tag.*\)$/m);
    expect(r.stderr).toMatch(/timed out waiting for the condition/);
    const pod = (await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=nopull" })).items[0]!;
    const lines = await eventually("Failed and BackOff events", async () => {
      const l = (await c.client.list<Event>("Event", { namespace: "default" })).items.filter((e) => e.involvedObject.name === pod.metadata.name).map((e) => `${e.type} ${e.reason} ${e.message}`);
      return l.includes("Warning Failed Error: ImagePullBackOff") ? l : undefined;
    }, { timeoutMs: 20_000 });
    // the engine's own words for a tag the registry does not have
    expect(lines.find((l) => l.startsWith(`Warning Failed Failed to pull image "${image}": `)), lines.join("\n")).toMatch(/manifest unknown|not found/i);
    expect(lines).toEqual(expect.arrayContaining(["Warning Failed Error: ErrImagePull", `Normal BackOff Back-off pulling image "${image}"`, "Warning Failed Error: ImagePullBackOff"]));
    const described = await k("describe", "pod", pod.metadata.name!);
    expect(described.stdout).toMatch(/State:\s+Waiting\n\s+Reason:\s+(ErrImagePull|ImagePullBackOff)\n/);
    expect(described.stdout).toMatch(/Warning\s+Failed\s+.*Error: ImagePullBackOff/);
  }, 60_000);
});
