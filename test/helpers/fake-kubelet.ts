/**
 * A real kubelet on the in-memory runtime and a fake clock, against a test API server: the
 * settings the fake-runtime suites share (no node services or metrics, a 1 s doubling back-off
 * up to 4 s), so time only moves when the test advances the clock.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FakeClock } from "../../lib/clock.js";
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
