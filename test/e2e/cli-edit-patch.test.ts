/**
 * `kctl edit` and `kctl patch` (real kctl processes, EDITOR set to a script) and the real
 * kubectl's edit and patch against the same server: the change lands, kubectl's messages and
 * exit codes, and bad input (an unknown field, a patch that does not parse, a missing object)
 * is one readable line, a non-zero exit and no change.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Deployment } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let dir: string;
// TMPDIR: the edit copies kctl keeps on failure go with the server's temp dir
const k = (args: string[], env: NodeJS.ProcessEnv = {}) => kctl(["--kubeconfig", srv.kubeconfigPath, ...args], { env: { TMPDIR: srv.dataDir, ...env } });

/** An editor: a shell script run as `EDITOR FILE`. */
function editor(name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

async function deployment(): Promise<Deployment> {
  return srv.client.get<Deployment>("Deployment", "web", "default");
}

beforeAll(async () => {
  assertKubectl("the real kubectl's edit and patch are checked against kctl's server");
  srv = await startTestServer({ tls: true });
  dir = path.join(srv.dataDir, "editors");
  fs.mkdirSync(dir);
});
afterAll(async () => {
  await srv?.close();
});
beforeEach(async () => {
  await srv.client.delete("Deployment", "web", { namespace: "default" }).catch(() => undefined);
  const r = await k(["create", "deployment", "web", "--image=kctl-test/busybox:v1", "--replicas=1"]);
  expect(r.code).toBe(0);
});

describe("kctl edit", () => {
  it("saves the editor's change and prints `edited`", async () => {
    const ed = editor("replicas.sh", `sed -i 's/^  replicas: .*/  replicas: 4/' "$1"`);
    const r = await k(["edit", "deployment", "web"], { EDITOR: ed });
    expect(r).toMatchObject({ code: 0, stdout: "deployment.apps/web edited\n", stderr: "" });
    expect((await deployment()).spec.replicas).toBe(4);
  });

  it("shows kubectl's header and honours KUBE_EDITOR over EDITOR", async () => {
    const seen = path.join(dir, "seen.yaml");
    const ed = editor("copy.sh", `cp "$1" ${seen}`);
    const r = await k(["edit", "deploy/web"], { EDITOR: "/bin/false", KUBE_EDITOR: ed });
    expect(r).toMatchObject({ code: 0, stdout: "", stderr: "Edit cancelled, no changes made.\n" });
    const text = fs.readFileSync(seen, "utf8");
    expect(text.startsWith("# Please edit the object below. Lines beginning with a '#' will be ignored,\n")).toBe(true);
    expect(text).toContain("\nkind: Deployment\n");
    expect(text).not.toContain("managedFields");
  });

  it("edits JSON with -o json", async () => {
    const ed = editor("json.sh", `sed -i 's/"replicas": 1,/"replicas": 2,/' "$1"`);
    const r = await k(["edit", "deploy", "web", "-o", "json"], { EDITOR: ed });
    expect(r).toMatchObject({ code: 0, stdout: "deployment.apps/web edited\n" });
    expect((await deployment()).spec.replicas).toBe(2);
  });

  it("an unknown field: the server's strict error and kubectl's replace hint, exit 1, nothing changed", async () => {
    const before = await deployment();
    const ed = editor("unknown.sh", `grep -q bogusField "$1" || sed -i 's/^spec:/spec:\\n  bogusField: 1/' "$1"`);
    const r = await k(["edit", "deploy/web"], { EDITOR: ed });
    expect(r.code).toBe(1);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe('error: deployments.apps "web" could not be patched: Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.bogusField"');
    const copy = /^You can run `kctl replace -f (\S+)` to try this update again\.$/.exec(lines[1])?.[1];
    expect(copy).toBeDefined();
    expect(lines.slice(2)).toEqual([""]);
    expect(fs.readFileSync(copy!, "utf8")).toContain("  bogusField: 1\n");
    expect((await deployment()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it("an invalid value: the file reopens with the causes; saved unchanged, the copy is kept, exit 1", async () => {
    const before = await deployment();
    const seen = path.join(dir, "reopened.yaml");
    const ed = editor("negative.sh", `cp "$1" ${seen}; sed -i 's/^  replicas: .*/  replicas: -1/' "$1"`);
    const r = await k(["edit", "deployment", "web"], { EDITOR: ed });
    expect(r.code).toBe(1);
    const copy = /A copy of your changes has been stored to "([^"]+)"/.exec(r.stderr)?.[1];
    expect(r.stderr).toBe(`error: deployments.apps "web" is invalid\nA copy of your changes has been stored to "${copy}"\nerror: Edit cancelled, no valid changes were saved.\n`);
    // the second opening showed the error as comments above the edited object
    expect(fs.readFileSync(seen, "utf8")).toContain('#\n# deployments.apps "web" was not valid:\n# * spec.replicas: must be greater than or equal to 0\n#\napiVersion: apps/v1\n');
    expect(fs.readFileSync(copy!, "utf8")).toContain("  replicas: -1\n");
    expect((await deployment()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it("a syntax error and a missing object are one line each", async () => {
    const broken = editor("broken.sh", `sed -i 's/^kind: .*/kind: [oops/' "$1"`);
    const r = await k(["edit", "deploy/web"], { EDITOR: broken });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: The edited file had a syntax error: /);
    const missing = await k(["edit", "deploy", "nope"], { EDITOR: broken });
    expect(missing).toMatchObject({ code: 1, stderr: 'error: deployments.apps "nope" not found\n' });
  });
});

describe("kctl patch", () => {
  it("strategic (default), merge and json patches; (no change)", async () => {
    expect(await k(["patch", "deploy", "web", "-p", '{"spec":{"replicas":2}}'])).toMatchObject({ code: 0, stdout: "deployment.apps/web patched\n" });
    expect(await k(["patch", "deploy/web", "-p", '{"spec":{"replicas":2}}'])).toMatchObject({ code: 0, stdout: "deployment.apps/web patched (no change)\n" });
    expect(await k(["patch", "deploy/web", "--type", "merge", "-p", "spec: {replicas: 3}"])).toMatchObject({ code: 0, stdout: "deployment.apps/web patched\n" });
    expect((await deployment()).spec.replicas).toBe(3);
    const json = await k(["patch", "deploy/web", "--type", "json", "-p", '[{"op":"replace","path":"/spec/replicas","value":1}]', "-o", "json"]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as Deployment).spec.replicas).toBe(1);
    // a strategic patch merges containers by name: the image changes, the container stays one
    const image = await k(["patch", "deploy/web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"busybox","image":"kctl-test/busybox:v2"}]}}}}']);
    expect(image.code).toBe(0);
    expect((await deployment()).spec.template.spec.containers.map((c) => c.image)).toEqual(["kctl-test/busybox:v2"]);
  });

  it("--patch-file, --subresource scale and --dry-run=server", async () => {
    const file = path.join(dir, "patch.yaml");
    fs.writeFileSync(file, "spec:\n  replicas: 5\n");
    expect(await k(["patch", "deploy/web", "--patch-file", file])).toMatchObject({ code: 0, stdout: "deployment.apps/web patched\n" });
    expect(await k(["patch", "deploy/web", "--subresource", "scale", "-p", '{"spec":{"replicas":6}}'])).toMatchObject({ code: 0 });
    expect((await deployment()).spec.replicas).toBe(6);
    expect(await k(["patch", "deploy/web", "-p", '{"spec":{"replicas":9}}', "--dry-run=server"])).toMatchObject({ code: 0, stdout: "deployment.apps/web patched (server dry run)\n" });
    expect((await deployment()).spec.replicas).toBe(6);
  });

  it("bad input: one line, non-zero exit, nothing changed", async () => {
    const before = (await deployment()).metadata.resourceVersion;
    const unparsable = await k(["patch", "deploy/web", "-p", "{bad"]);
    expect(unparsable.code).toBe(1);
    expect(unparsable.stderr).toMatch(/^error: unable to parse "\{bad": [^\n]+\n$/);
    expect(await k(["patch", "deploy", "nope", "-p", "{}"])).toMatchObject({ code: 1, stderr: 'error: deployments.apps "nope" not found\n' });
    const invalid = await k(["patch", "deploy/web", "-p", '{"spec":{"replicas":"x"}}']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(await k(["patch", "deploy/web", "--type", "bogus", "-p", "{}"])).toMatchObject({ code: 1, stderr: 'error: --type must be one of [json merge strategic], not "bogus"\n' });
    expect((await deployment()).metadata.resourceVersion).toBe(before);
  });
});

describe("the real kubectl", () => {
  it("kubectl edit with EDITOR set to a script", async () => {
    const ed = editor("kubectl-replicas.sh", `sed -i 's/^  replicas: .*/  replicas: 3/' "$1"`);
    const prev = process.env.EDITOR;
    process.env.EDITOR = ed;
    try {
      const r = await kubectlAgainst(srv, ["edit", "deployment", "web"]);
      expect(r).toMatchObject({ code: 0, stdout: "deployment.apps/web edited\n" });
    } finally {
      if (prev === undefined) delete process.env.EDITOR;
      else process.env.EDITOR = prev;
    }
    expect((await deployment()).spec.replicas).toBe(3);
  });

  it("kubectl patch: strategic, merge and json", async () => {
    expect(await kubectlAgainst(srv, ["patch", "deploy", "web", "-p", '{"spec":{"replicas":2}}'])).toMatchObject({ code: 0, stdout: "deployment.apps/web patched\n" });
    expect(await kubectlAgainst(srv, ["patch", "deploy", "web", "--type", "merge", "-p", '{"spec":{"replicas":2}}'])).toMatchObject({ code: 0, stdout: "deployment.apps/web patched (no change)\n" });
    expect(await kubectlAgainst(srv, ["patch", "deploy/web", "--type", "json", "-p", '[{"op":"replace","path":"/spec/replicas","value":5}]'])).toMatchObject({ code: 0, stdout: "deployment.apps/web patched\n" });
    expect((await deployment()).spec.replicas).toBe(5);
  });
});
