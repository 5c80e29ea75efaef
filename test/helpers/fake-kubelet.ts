/**
 * A real kubelet on the in-memory runtime and a fake clock, against a test API server: the
 * settings the fake-runtime suites share (no node services or metrics, a 1 s doubling back-off
 * up to 4 s), so time only moves when the test advances the clock.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FakeClock } from "../../lib/clock.js";
import type { ApiClient } from "../../lib/client.js";
import type { Container, Pod } from "../../lib/types.js";
import { eventually } from "./eventually.js";
import { silentLogger } from "../../lib/logger.js";
import { startKubelet, type Kubelet, type KubeletOptions } from "../../kubelet/index.js";
import type { FakeRuntime } from "./fake-runtime.js";
import type { TestServer } from "./server.js";

/** Start node `nodeName`'s kubelet on `fake` and `clock`; its data dir is a fresh temp dir. */
export function startFakeKubelet(srv: TestServer, nodeName: string, fake: FakeRuntime, clock: FakeClock, extra: Partial<KubeletOptions> = {}): Promise<Kubelet> {
  return startKubelet({
    client: srv.client,
    logger: silentLogger(),
    nodeName,
    nodeIP: "127.0.0.1",
    runtime: fake,
    clock,
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), `kctl-${nodeName}-`)),
    services: false,
    metricsPeriodSeconds: 0,
    backoffBaseMs: 1000,
    backoffCapMs: 4000,
    ...extra,
  });
}

/**
 * A pod bound to `node` whose containers are named c0, c1, ... (image app:v1, IfNotPresent unless
 * given), grace 5 s.
 */
export function fakeNodePod(node: string, name: string, containers: Partial<Container>[], spec: Partial<Pod["spec"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 5,
      containers: containers.map((c, i) => ({ name: `c${i}`, image: "app:v1", imagePullPolicy: "IfNotPresent", ...c })) as Container[],
      ...spec,
    },
  };
}

/** Wait (polling every 20 ms, 5 s by default) until pod `name` in default satisfies `ok`. */
export function waitPodWith(client: ApiClient, name: string, what: string, ok: (p: Pod) => boolean, timeoutMs = 5_000): Promise<Pod> {
  return eventually(
    `${name}: ${what}`,
    async () => {
      const p = await client.get<Pod>("Pod", name, "default").catch(() => undefined);
      return p && ok(p) ? p : undefined;
    },
    { timeoutMs, intervalMs: 20 },
  );
}
