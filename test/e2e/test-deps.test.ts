/**
 * scripts/test-deps.sh, which the global setup runs before every `npm test`: quick and quiet when
 * all is there, and one clear line when it cannot set anything up (not root, no engine reachable).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("scripts/test-deps.sh", () => {
  it("is idempotent and quick when everything is already there", () => {
    const started = Date.now();
    const r = spawnSync("bash", ["scripts/test-deps.sh"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trim()).toBe("test-deps: ready (Docker engine, test images, local registry, etcd, Chromium)");
    // Generous: a second here, but the CI machine is shared and loaded.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("says in one line what to do when it is not root and no engine answers", () => {
    // As root, become `nobody` (no docker group, so the engine's socket refuses it).
    const asNobody = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash"] : ["bash"];
    const r = spawnSync(asNobody[0]!, [...asNobody.slice(1), "scripts/test-deps.sh"], { encoding: "utf8", env: { ...process.env, DOCKER_HOST: "unix:///nonexistent.sock" } });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^test-deps: no Docker engine answers and \S+ is not root.*run `sudo bash scripts\/test-deps\.sh` once/);
  });
});
