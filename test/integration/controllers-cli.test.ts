import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deployment, ReplicaSet } from "../../lib/types.js";
import { kctl, startKctl } from "../helpers/cli.js";
import { live, podsOf, rolledOut, startPlane, type Plane } from "./controllers-harness.js";
import { makeDeployment } from "../helpers/builders.js";
import { eventually } from "../helpers/eventually.js";

let plane: Plane;
let k: (...args: string[]) => ReturnType<typeof kctl>;
beforeAll(async () => {
  plane = await startPlane({ nodes: 3 });
  k = (...args) => kctl(["--server", plane.server.url, "--token", plane.server.token, ...args]);
  await plane.client.create(makeDeployment("web", 3));
  await eventually("web rolled out", () => rolledOut(plane.client, "web"));
});
afterAll(async () => {
  await plane?.close();
});

describe("kctl scale / set image / rollout (real binary)", () => {
  it("scale deploy/web --replicas=5", async () => {
    const r = await k("scale", "deploy/web", "--replicas=5");
    expect(r).toMatchObject({ code: 0, stdout: "deployment.apps/web scaled\n" });
    await eventually("5 replicas", async () => (await rolledOut(plane.client, "web"))?.spec.replicas === 5);
    const bad = await k("scale", "deploy/web");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^error: --replicas is required/);
  });

  it("set image rolls out and rollout status follows it to the end", async () => {
    const r = await k("set", "image", "deploy/web", "web=web:v2");
    expect(r).toMatchObject({ code: 0, stdout: "deployment.apps/web image updated\n" });
    const st = await k("rollout", "status", "deploy/web", "--timeout=30s");
    expect(st.code).toBe(0);
    expect(st.stdout.trim().split("\n").at(-1)).toBe('deployment "web" successfully rolled out');
    const unknown = await k("set", "image", "deploy/web", "nope=web:v3");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toBe('error: unable to find container named "nope"\n');
  });

  it("rollout status prints kubectl's progress lines while waiting", async () => {
    const watch = startKctl(["--server", plane.server.url, "--token", plane.server.token, "rollout", "status", "deployment/web"]);
    // The change cause and the new template in one write, as `kubectl ... --record` did.
    const patch = { metadata: { annotations: { "kubernetes.io/change-cause": "to v3" } }, spec: { template: { spec: { containers: [{ name: "web", image: "web:v3" }] } } } };
    await plane.client.patch("Deployment", "web", patch, { namespace: "default" });
    const out = await watch.waitFor((s) => s.includes("successfully rolled out"), 30_000);
    expect(out).toMatch(/Waiting for deployment "web" rollout to finish: |deployment "web" successfully rolled out/);
    await watch.kill();
  });

  it("rollout history lists revisions with change causes, --revision shows the template", async () => {
    const h = await k("rollout", "history", "deploy/web");
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^deployment\.apps\/web \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n3\s+to v3\n/);
    const one = await k("rollout", "history", "deploy/web", "--revision=2");
    expect(one.stdout).toContain("deployment.apps/web with revision #2");
    expect(one.stdout).toContain("Image:\tweb:v2");
  });

  it("rollout undo goes back to the previous revision, reusing its ReplicaSet", async () => {
    const before = (await plane.client.list<ReplicaSet>("ReplicaSet", { namespace: "default", labelSelector: "app=web" })).items;
    const r = await k("rollout", "undo", "deploy/web");
    expect(r).toMatchObject({ code: 0, stdout: "deployment.apps/web rolled back\n" });
    await eventually("back on v2", async () => {
      const d = await rolledOut(plane.client, "web");
      return d && d.spec.template.spec.containers[0].image === "web:v2";
    });
    const after = (await plane.client.list<ReplicaSet>("ReplicaSet", { namespace: "default", labelSelector: "app=web" })).items;
    expect(after.map((r) => r.metadata.uid).sort()).toEqual(before.map((r) => r.metadata.uid).sort());
    const to1 = await k("rollout", "undo", "deploy/web", "--to-revision=1");
    expect(to1.code).toBe(0);
    const missing = await k("rollout", "undo", "deploy/web", "--to-revision=42");
    expect(missing.stderr).toBe("error: unable to find specified revision 42 in history\n");
    await eventually("back on v1", async () => (await rolledOut(plane.client, "web"))?.spec.template.spec.containers[0].image === "web:v1");
  });

  it("rollout restart replaces every pod; pause and resume", async () => {
    const old = new Set((await podsOf(plane.client, "web")).filter(live).map((p) => p.metadata.name));
    expect((await k("rollout", "restart", "deploy/web")).stdout).toBe("deployment.apps/web restarted\n");
    await eventually("all pods replaced", async () => {
      const d = await rolledOut(plane.client, "web");
      const pods = (await podsOf(plane.client, "web")).filter(live);
      return d && d.spec.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"] && pods.length === 5 && pods.every((p) => !old.has(p.metadata.name));
    });
    expect((await k("rollout", "pause", "deploy/web")).stdout).toBe("deployment.apps/web paused\n");
    expect((await k("rollout", "pause", "deploy/web")).stderr).toBe('error: deployments.apps "web" is already paused\n');
    expect((await k("rollout", "undo", "deploy/web")).stderr).toMatch(/cannot rollback a paused deployment/);
    expect((await k("rollout", "resume", "deploy/web")).stdout).toBe("deployment.apps/web resumed\n");
    const d = await plane.client.get<Deployment>("Deployment", "web", "default");
    expect(d.spec.paused ?? false).toBe(false);
  });

  it("rollout status exits non-zero on ProgressDeadlineExceeded", async () => {
    await plane.client.create(makeDeployment("never", 1, { podSpec: { nodeSelector: { nowhere: "yes" } }, spec: { progressDeadlineSeconds: 1 } }));
    const st = await k("rollout", "status", "deploy/never", "--timeout=20s");
    expect(st.code).toBe(1);
    expect(st.stderr).toBe('error: deployment "never" exceeded its progress deadline\n');
    const t = await k("rollout", "status", "deploy/web", "--timeout=1s");
    expect(t.code).toBe(0);
  });
});
