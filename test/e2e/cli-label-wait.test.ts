/**
 * `kctl label`, `kctl annotate` and `kctl wait` end to end: a real API server on loopback, the
 * real bin/kctl as a subprocess. Objects only (no kubelet): the tests write statuses themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deployment, Pod } from "../../lib/types.js";
import { kctl, startKctl, type KctlProcess } from "../helpers/cli.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

let srv: TestServer;
const k = (...args: string[]) => kctl(["--server", srv.url, "--token", srv.token, ...args]);
const bg = (...args: string[]) => startKctl(["--server", srv.url, "--token", srv.token, ...args]);

function pod(name: string, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: { containers: [{ name: "web", image: "web:v1" }] },
  } as Pod;
}

const getPod = (name: string) => srv.client.get<Pod>("Pod", name, "default");

/** The exit code of a background kctl that must end by itself (killed, and failing, after the deadline). */
function exitOf(p: KctlProcess, timeoutMs = 15_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (p.child.exitCode !== null) return resolve(p.child.exitCode);
    const timer = setTimeout(() => {
      void p.kill();
      reject(new Error(`kctl did not exit; stdout: ${p.stdout()} stderr: ${p.stderr()}`));
    }, timeoutMs);
    p.child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** The API server's open watch streams (its /metrics gauge). */
async function openWatches(): Promise<number> {
  const res = await fetch(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${srv.token}` } });
  return Number(/^apiserver_open_watches (\d+)$/m.exec(await res.text())?.[1] ?? "0");
}

/** Resolve once `n` more watches are open than `base`: kctl has checked and is now watching. */
const watching = (base: number, n = 1) => eventually("condition", async () => (await openWatches()) >= base + n, { timeoutMs: 15_000 });

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

describe("kctl label", () => {
  it("adds labels (TYPE NAME and TYPE/NAME), and says `not labeled` when nothing changes", async () => {
    await srv.client.create(pod("lbl-add", { app: "web" }));
    const r = await k("label", "pod", "lbl-add", "tier=fe");
    expect(r).toEqual({ code: 0, stdout: "pod/lbl-add labeled\n", stderr: "" });
    expect((await getPod("lbl-add")).metadata.labels).toEqual({ app: "web", tier: "fe" });

    const rv = (await getPod("lbl-add")).metadata.resourceVersion;
    const same = await k("label", "pod/lbl-add", "tier=fe");
    expect(same).toEqual({ code: 0, stdout: "pod/lbl-add not labeled\n", stderr: "" });
    expect((await getPod("lbl-add")).metadata.resourceVersion).toBe(rv);
  });

  it("refuses to change a value without --overwrite (one line, exit 1, nothing changed), then --overwrite changes it", async () => {
    await srv.client.create(pod("lbl-ow", { app: "web" }));
    const before = await getPod("lbl-ow");
    const refused = await k("label", "pod/lbl-ow", "app=api", "extra=1");
    expect(refused).toEqual({ code: 1, stdout: "", stderr: "error: 'app' already has a value (web), and --overwrite is false\n" });
    const after = await getPod("lbl-ow");
    expect(after.metadata.labels).toEqual({ app: "web" });
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    const ok = await k("label", "pod/lbl-ow", "app=api", "--overwrite");
    expect(ok).toEqual({ code: 0, stdout: "pod/lbl-ow labeled\n", stderr: "" });
    expect((await getPod("lbl-ow")).metadata.labels).toEqual({ app: "api" });
  });

  it("removes with KEY- (unlabeled); a missing key is reported and is not an error", async () => {
    await srv.client.create(pod("lbl-rm", { app: "web", tier: "fe" }));
    const r = await k("label", "pod", "lbl-rm", "tier-");
    expect(r).toEqual({ code: 0, stdout: "pod/lbl-rm unlabeled\n", stderr: "" });
    expect((await getPod("lbl-rm")).metadata.labels).toEqual({ app: "web" });

    const missing = await k("label", "pod/lbl-rm", "nope-");
    expect(missing).toEqual({ code: 0, stdout: 'label "nope" not found.\npod/lbl-rm not labeled\n', stderr: "" });
  });

  it("labels every object a selector picks (-l), and every object with --all", async () => {
    for (const n of ["sel-a", "sel-b", "sel-c"]) await srv.client.create(pod(n, { group: n === "sel-c" ? "other" : "picked" }));
    const r = await k("label", "pods", "-l", "group=picked", "seen=yes");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("pod/sel-a labeled\npod/sel-b labeled\n");
    expect((await getPod("sel-a")).metadata.labels?.seen).toBe("yes");
    expect((await getPod("sel-b")).metadata.labels?.seen).toBe("yes");
    expect((await getPod("sel-c")).metadata.labels?.seen).toBeUndefined();

    // A refusal on any selected object refuses them all: none is written.
    const refused = await k("label", "pods", "-l", "group", "seen=no");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("error: 'seen' already has a value (yes), and --overwrite is false\n");
    expect((await getPod("sel-c")).metadata.labels?.seen).toBeUndefined();

    const all = await k("label", "pods", "--all", "everyone=1");
    expect(all.code).toBe(0);
    expect(all.stdout.split("\n").filter(Boolean).length).toBe((await srv.client.list<Pod>("Pod", { namespace: "default" })).items.length);
    expect((await getPod("sel-c")).metadata.labels?.everyone).toBe("1");
  });

  it("rejects an invalid key or value with the API server's rule, one line, exit 1, before any write", async () => {
    await srv.client.create(pod("lbl-bad", { app: "web" }));
    const rv = (await getPod("lbl-bad")).metadata.resourceVersion;
    const key = await k("label", "pod/lbl-bad", "Bad_Key!=x");
    expect(key.code).toBe(1);
    expect(key.stdout).toBe("");
    expect(key.stderr).toBe(
      "error: invalid label key \"Bad_Key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character\n",
    );
    const value = await k("label", "pod/lbl-bad", "ok=has space");
    expect(value.code).toBe(1);
    expect(value.stderr.split("\n")).toHaveLength(2);
    expect(value.stderr).toMatch(/^error: invalid label value "has space": /);
    const spec = await k("label", "pod/lbl-bad", "justaword");
    expect(spec.stderr).toBe("error: at least one label update is required\n");
    expect((await getPod("lbl-bad")).metadata.resourceVersion).toBe(rv);
  });

  it("writes with the resourceVersion it read: a stale version is a conflict, not a lost update", async () => {
    const created = await srv.client.create(pod("lbl-rv", { app: "web" }));
    await srv.client.patch("Pod", "lbl-rv", { metadata: { labels: { other: "writer" } } }, { namespace: "default" });
    const r = await k("label", "pod/lbl-rv", "mine=1", `--resource-version=${created.metadata.resourceVersion}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: Operation cannot be fulfilled on pods "lbl-rv": the object has been modified; please apply your changes to the latest version and try again\n',
    );
    expect((await getPod("lbl-rv")).metadata.labels).toEqual({ app: "web", other: "writer" });
  });

  it("names a missing object in one line", async () => {
    const r = await k("label", "pod/no-such-pod", "a=b");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: pods "no-such-pod" not found\n');
  });

  it("works on other kinds and in another namespace (-n)", async () => {
    await srv.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    await srv.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "team" }, data: {} } as never);
    const r = await k("-n", "team", "label", "cm/cfg", "owner=me");
    expect(r).toEqual({ code: 0, stdout: "configmap/cfg labeled\n", stderr: "" });
    expect((await srv.client.get("ConfigMap", "cfg", "team")).metadata.labels).toEqual({ owner: "me" });
  });
});

describe("kctl annotate", () => {
  it("adds, refuses to overwrite, overwrites and removes annotations", async () => {
    await srv.client.create(pod("ann"));
    expect(await k("annotate", "pod/ann", "owner=team-a", "note=a=b")).toEqual({ code: 0, stdout: "pod/ann annotated\n", stderr: "" });
    expect((await getPod("ann")).metadata.annotations).toEqual({ owner: "team-a", note: "a=b" });

    const refused = await k("annotate", "pod", "ann", "owner=team-b");
    expect(refused).toEqual({ code: 1, stdout: "", stderr: "error: 'owner' already has a value (team-a), and --overwrite is false\n" });
    expect((await getPod("ann")).metadata.annotations?.owner).toBe("team-a");

    expect((await k("annotate", "pod/ann", "owner=team-b", "--overwrite")).stdout).toBe("pod/ann annotated\n");
    expect((await k("annotate", "pod/ann", "note-")).stdout).toBe("pod/ann annotated\n");
    expect((await getPod("ann")).metadata.annotations).toEqual({ owner: "team-b" });
  });

  it("prints the API server's 422 (annotations over 256 KiB) as one line and changes nothing", async () => {
    await srv.client.create(pod("ann-big"));
    const big = "x".repeat(100_000); // three of these: over the 262144-byte total, each under the argv limit
    const r = await k("annotate", "pod/ann-big", `a=${big}`, `b=${big}`, `c=${big}`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('error: Pod "ann-big" is invalid: metadata.annotations: Too long: must have at most 262144 bytes\n');
    expect((await getPod("ann-big")).metadata.annotations ?? {}).toEqual({});
  });
});

describe("kctl wait", () => {
  it("--for=condition=Ready is met once the Pod's status gets Ready=True (case-insensitive name)", async () => {
    await srv.client.create(pod("w-ready"));
    const base = await openWatches();
    const w = bg("wait", "pod/w-ready", "--for=condition=ready", "--timeout=20s");
    // set the condition only once kctl watches: the change must reach it through the watch
    await watching(base);
    const p = await getPod("w-ready");
    await srv.client.updateStatus<Pod>({ ...p, status: { ...(p.status ?? {}), phase: "Running", conditions: [{ type: "Ready", status: "True" }] } } as Pod);
    expect(await exitOf(w)).toBe(0);
    expect(w.stdout()).toBe("pod/w-ready condition met\n");
    expect(w.stderr()).toBe("");
  });

  it("--for=condition=Available=false on a Deployment, and a condition that is already met returns at once", async () => {
    const d = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "w-dep", namespace: "default" },
      spec: { replicas: 1, selector: { matchLabels: { app: "w-dep" } }, template: { metadata: { labels: { app: "w-dep" } }, spec: { containers: [{ name: "web", image: "web:v1" }] } } },
    } as Deployment;
    const created = await srv.client.create(d);
    await srv.client.updateStatus<Deployment>({ ...created, status: { conditions: [{ type: "Available", status: "False", reason: "MinimumReplicasUnavailable" }] } } as Deployment);
    const r = await k("wait", "deployment", "w-dep", "--for=condition=Available=false", "--timeout=5s");
    expect(r).toEqual({ code: 0, stdout: "deployment.apps/w-dep condition met\n", stderr: "" });
  });

  it("--for=delete prints `deleted` when the object goes; an already-missing object is not an error", async () => {
    await srv.client.create(pod("w-del"));
    const base = await openWatches();
    const w = bg("wait", "pod/w-del", "--for=delete", "--timeout=20s");
    await watching(base);
    await srv.client.delete("Pod", "w-del", { namespace: "default", gracePeriodSeconds: 0 });
    expect(await exitOf(w)).toBe(0);
    expect(w.stdout()).toBe("pod/w-del deleted\n");
    expect(w.stderr()).toBe("");

    expect(await k("wait", "pod/w-del", "--for=delete", "--timeout=2s")).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("times out with kubectl's message and exit 1", async () => {
    await srv.client.create(pod("w-slow"));
    const started = Date.now();
    const r = await k("wait", "pod/w-slow", "--for=condition=Ready", "--timeout=1s");
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: timed out waiting for the condition on pods/w-slow\n" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("--for=jsonpath='{.status.phase}'=Running, over a selector", async () => {
    for (const n of ["w-jp-1", "w-jp-2"]) await srv.client.create(pod(n, { wait: "jp" }));
    const base = await openWatches();
    const w = bg("wait", "pods", "-l", "wait=jp", "--for=jsonpath={.status.phase}=Running", "--timeout=20s");
    await watching(base);
    for (const n of ["w-jp-2", "w-jp-1"]) {
      const p = await getPod(n);
      await srv.client.updateStatus<Pod>({ ...p, status: { ...(p.status ?? {}), phase: "Running" } } as Pod);
    }
    expect(await exitOf(w)).toBe(0);
    expect(w.stdout()).toBe("pod/w-jp-1 condition met\npod/w-jp-2 condition met\n");
    expect(w.stderr()).toBe("");
  });

  it("usage errors are one line: no --for, an unknown condition, nothing selected", async () => {
    expect((await k("wait", "pod/x")).stderr).toMatch(/^error: --for must be specified[^\n]*\n$/);
    expect((await k("wait", "pod/x", "--for=ready")).stderr).toBe('error: unrecognized condition: "ready"\n');
    expect((await k("wait", "pods", "-l", "nothing=here", "--for=condition=Ready", "--timeout=1s")).stderr).toBe("error: no matching resources found\n");
  });
});
