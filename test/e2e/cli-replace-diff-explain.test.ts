/**
 * `kctl replace`, `kctl diff` and `kctl explain` as real processes against a real server.
 * explain is checked byte for byte against the real kubectl's explain of the same server's
 * OpenAPI v3 documents.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deployment } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let dir: string;
const k = (args: string[], env: NodeJS.ProcessEnv = {}) => kctl(["--kubeconfig", srv.kubeconfigPath, ...args], { env });

function manifest(name: string, replicas: number, extra = ""): string {
  const p = path.join(dir, `${name}-${replicas}${extra ? "-x" : ""}.yaml`);
  fs.writeFileSync(
    p,
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: main
        image: kctl-test/busybox:v1
        imagePullPolicy: Never${extra}
`,
  );
  return p;
}

const get = (name: string) => srv.client.get<Deployment>("Deployment", name, "default");

beforeAll(async () => {
  assertKubectl("kctl explain is compared with kubectl explain");
  srv = await startTestServer({ tls: true });
  dir = path.join(srv.dataDir, "files");
  fs.mkdirSync(dir);
});
afterAll(async () => {
  await srv?.close();
});

describe("kctl replace", () => {
  it("replaces, and with --force deletes and re-creates", async () => {
    expect(await k(["apply", "-f", manifest("rep", 1)])).toMatchObject({ code: 0 });
    const first = await get("rep");
    expect(await k(["replace", "-f", manifest("rep", 2)])).toMatchObject({ code: 0, stdout: "deployment.apps/rep replaced\n", stderr: "" });
    expect((await get("rep")).spec.replicas).toBe(2);
    const forced = await k(["replace", "--force", "-f", manifest("rep", 3)]);
    expect(forced).toMatchObject({ code: 0, stdout: 'deployment.apps "rep" deleted\ndeployment.apps/rep replaced\n' });
    const after = await get("rep");
    expect(after.spec.replicas).toBe(3);
    expect(after.metadata.uid).not.toBe(first.metadata.uid);
  });

  it("bad input: a missing object and an unknown field are one line each, nothing changed", async () => {
    const missing = await k(["replace", "-f", manifest("absent", 1)]);
    expect(missing).toMatchObject({ code: 1, stdout: "", stderr: 'error: deployment.apps/absent: deployments.apps "absent" not found\n' });
    const before = await get("rep");
    const unknown = await k(["replace", "-f", manifest("rep", 5, "\n        bogus: 1")]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: deployment.apps/rep: Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].bogus"\n');
    expect((await get("rep")).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(await k(["replace"])).toMatchObject({ code: 1, stderr: "error: must specify --filename to replace\n" });
  });
});

describe("kctl diff", () => {
  it("exit 0 and no output when applying would change nothing", async () => {
    const file = manifest("dif", 1);
    expect(await k(["apply", "-f", file])).toMatchObject({ code: 0 });
    expect(await k(["diff", "-f", file])).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("exit 1 and a unified diff of live vs merged; nothing written", async () => {
    const before = await get("dif");
    const r = await k(["diff", "-f", manifest("dif", 3)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^diff -u -N \S+\/LIVE\/apps\.v1\.Deployment\.default\.dif \S+\/MERGED\/apps\.v1\.Deployment\.default\.dif\n/);
    expect(r.stdout).toContain("\n-  replicas: 1\n+  replicas: 3\n");
    expect(r.stdout).toContain("\n-  generation: 1\n+  generation: 2\n");
    expect(r.stdout).not.toContain("managedFields");
    expect((await get("dif")).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it("a new object is all additions; KUBECTL_EXTERNAL_DIFF picks the program", async () => {
    const r = await k(["diff", "-f", manifest("fresh", 2)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("\n+kind: Deployment\n");
    const quiet = await k(["diff", "-f", manifest("dif", 3)], { KUBECTL_EXTERNAL_DIFF: "diff -q" });
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toMatch(/^Files \S+LIVE\S+ and \S+MERGED\S+ differ\n$/);
  });

  it("errors exit above 1 with one line", async () => {
    const missing = await k(["diff", "-f", path.join(dir, "nope.yaml")]);
    expect(missing.code).toBeGreaterThan(1);
    expect(missing.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    const invalid = await k(["diff", "-f", manifest("dif", -1)]);
    expect(invalid.code).toBeGreaterThan(1);
    expect(invalid.stderr).toMatch(/^error: Deployment\.apps "dif" is invalid: spec\.replicas: [^\n]+\n$/);
  });
});

describe("kctl explain", () => {
  const paths = [
    ["deployment"],
    ["deploy.spec"],
    ["deploy.spec.replicas"],
    ["deployments.apps.spec.replicas"],
    ["deploy.spec.strategy", "--recursive"],
    ["pods.spec.containers"],
    ["po.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.matchExpressions"],
    ["svc.spec.ports"],
    ["deployment", "--recursive"],
    ["node.status"],
    ["configmap", "--api-version=v1"],
  ];
  it.each(paths)("matches kubectl explain %s", async (...args: string[]) => {
    const want = await kubectlAgainst(srv, ["explain", ...args]);
    expect(want.code).toBe(0);
    const got = await k(["explain", ...args]);
    expect(got).toMatchObject({ code: 0, stderr: "" });
    expect(got.stdout).toBe(want.stdout);
  });

  it("an unknown field, type or version: one line, exit 1", async () => {
    expect(await k(["explain", "deploy.spec.bogus"])).toMatchObject({ code: 1, stdout: "", stderr: 'error: field "bogus" does not exist\n' });
    expect(await k(["explain", "widgets"])).toMatchObject({ code: 1, stderr: 'error: the server doesn\'t have a resource type "widgets"\n' });
    expect(await k(["explain", "deploy", "--api-version=apps/v9"])).toMatchObject({ code: 1, stderr: 'error: couldn\'t find resource for "apps/v9, Resource=deployments"\n' });
  });
});
