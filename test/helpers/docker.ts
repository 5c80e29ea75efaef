/**
 * Docker helpers for kubelet e2e tests: check the engine and test images are there, name a test
 * run with a label, clean up exactly the containers of one run (by label, never everything),
 * and wait on conditions with deadlines.
 */
import { randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Dockerode from "dockerode";

const execFileP = promisify(execFile);

/** The label every container of a test run carries (via startKubelet's containerLabels). */
export const TEST_RUN_LABEL = "kctl.io/test-run";

/** The Debian docker client (another `docker` may come first on PATH). */
export const DOCKER_CLI = "/usr/bin/docker";

/** A dockerode client on the default socket. */
export function docker(): Dockerode {
  return new Dockerode({ socketPath: "/var/run/docker.sock" });
}

/** A unique name for a test run (also usable as a node name). */
export function runId(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

/** Fail with a clear message unless the engine answers and the test images exist. */
export async function assertDockerReady(d: Dockerode = docker(), images: string[] = ["kctl-test/web:v1", "kctl-test/busybox:v1"]): Promise<void> {
  try {
    await d.ping();
  } catch (e) {
    throw new Error(`no Docker engine answers on /var/run/docker.sock (${(e as Error).message}); run: bash scripts/docker-engine.sh && bash scripts/build-test-images.sh`);
  }
  for (const img of images) {
    try {
      await d.getImage(img).inspect();
    } catch {
      throw new Error(`test image ${img} is missing; run: bash scripts/build-test-images.sh`);
    }
  }
}

/** Containers carrying `label=value`. */
export async function containersWithLabel(d: Dockerode, label: string, value: string, all = true): Promise<Dockerode.ContainerInfo[]> {
  return d.listContainers({ all, filters: { label: [`${label}=${value}`] } });
}

/** Remove (force) every container carrying `label=value`; returns how many. */
export async function removeByLabel(d: Dockerode, label: string, value: string): Promise<number> {
  const list = await containersWithLabel(d, label, value);
  await Promise.all(list.map((c) => d.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return list.length;
}

/** Run the docker CLI (kill, rm) as a user would. */
export async function dockerCli(...args: string[]): Promise<string> {
  const { stdout } = await execFileP(DOCKER_CLI, args);
  return stdout.trim();
}

/** Poll `fn` until it returns a truthy value; throws with `what` (and the last value) at the deadline. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, what: string, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
      last = v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ""}${last !== undefined ? ` (last: ${JSON.stringify(last)})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
