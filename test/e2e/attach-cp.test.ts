/**
 * `kctl attach` / `kctl cp` and the real kubectl's attach / cp against a real API server (TLS)
 * and a real Docker kubelet: attach follows the main process's output and feeds its stdin
 * (pods/attach through the API server to the kubelet); cp moves files both ways through exec
 * and the container's tar.
 */
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../lib/types.js";
import { KCTL_BIN, kctl } from "../helpers/cli.js";
import { assertDockerReady, runId, startNodeKubelet, type NodeKubelet } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { assertKubectl, KUBECTL, kubectlAgainst } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const RUN = runId("attach-cp");
let srv: TestServer;
let node: NodeKubelet | undefined;
let dir: string;
const k = (...args: string[]) => kctl(["--kubeconfig", srv.kubeconfigPath, ...args]);

/** A long-running process (attach) whose stdout can be awaited and whose stdin can be written. */
interface Streaming {
  child: ChildProcess;
  out(): string;
  err(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function streaming(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Streaming {
  const child = spawn(cmd, args, { env: { ...process.env, KCTL_CONFIG: "/nonexistent", HOME: srv.dataDir, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<void>((r) => child.on("close", () => r()));
  return {
    child,
    out: () => out,
    err: () => err,
    waitFor: (re, timeoutMs = 20_000) => eventually("condition", async () => (re.test(out) ? true : undefined), { timeoutMs }).then(() => undefined),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

beforeAll(async () => {
  assertKubectl("kubectl attach and kubectl cp are checked against kctl's server");
  await assertDockerReady();
  srv = await startTestServer({ tls: true });
  node = await startNodeKubelet(srv, RUN, RUN);
  dir = path.join(srv.dataDir, "files");
  fs.mkdirSync(dir);
  // a main process that prints a numbered line every 200 ms and answers each stdin line
  await srv.client.create<Pod>({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "talker", namespace: "default" },
    spec: {
      nodeName: RUN,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: "kctl-test/busybox:v1",
          imagePullPolicy: "Never",
          stdin: true,
          command: ["/bin/sh", "-c", "trap 'exit 0' TERM; (i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done) & while read l; do echo \"got $l\"; done; wait"],
        },
      ],
    },
  } as Pod);
  await eventually("condition", async () => {
    const p = await srv.client.get<Pod>("Pod", "talker", "default");
    return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
  }, { timeoutMs: 30_000 });
}, 90_000);

afterAll(async () => {
  await node?.stop();
  await srv?.close();
});

describe("attach", () => {
  it("kctl attach follows the main process's output", async () => {
    const a = streaming(process.execPath, [KCTL_BIN, "--kubeconfig", srv.kubeconfigPath, "attach", "talker"]);
    try {
      await a.waitFor(/line \d+\nline \d+\n/);
    } finally {
      await a.stop();
    }
    expect(a.out()).toMatch(/^(line \d+\n)+/);
    expect(a.err()).toBe("");
  });

  it("kctl attach -i sends stdin to the main process", async () => {
    const a = streaming(process.execPath, [KCTL_BIN, "--kubeconfig", srv.kubeconfigPath, "attach", "-i", "pod/talker"]);
    try {
      await a.waitFor(/line \d+\n/);
      a.child.stdin!.write("from kctl\n");
      await a.waitFor(/got from kctl\n/);
    } finally {
      await a.stop();
    }
  });

  it("the real kubectl attach prints the pod's lines, and -i feeds it", async () => {
    const a = streaming(KUBECTL, ["--kubeconfig", srv.kubeconfigPath, "attach", "talker"]);
    try {
      await a.waitFor(/line \d+\nline \d+\n/);
    } finally {
      await a.stop();
    }
    const i = streaming(KUBECTL, ["--kubeconfig", srv.kubeconfigPath, "attach", "-i", "talker"]);
    try {
      await i.waitFor(/line \d+\n/);
      i.child.stdin!.write("from kubectl\n");
      await i.waitFor(/got from kubectl\n/);
    } finally {
      await i.stop();
    }
  });

  it("authorization: pods/attach is create, like exec: view is refused, edit may attach", async () => {
    const view = path.join(dir, "view.kubeconfig");
    expect(await k("token", "create", "--role", "view", "--name", "viewer", "--kubeconfig-out", view)).toMatchObject({ code: 0 });
    const refused = await kctl(["--kubeconfig", view, "attach", "talker"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: pods\/attach is forbidden: User "viewer" cannot create resource "pods\/attach" in the namespace "default"[^\n]*\n$/);
    const edit = path.join(dir, "edit.kubeconfig");
    expect(await k("token", "create", "--role", "edit", "--name", "editor", "--kubeconfig-out", edit)).toMatchObject({ code: 0 });
    const a = streaming(process.execPath, [KCTL_BIN, "--kubeconfig", edit, "attach", "talker"]);
    try {
      await a.waitFor(/line \d+\n/);
    } finally {
      await a.stop();
    }
  });

  it("a missing pod or container: one line, exit 1", async () => {
    expect(await k("attach", "nope")).toMatchObject({ code: 1, stdout: "", stderr: 'error: pods "nope" not found\n' });
    expect(await k("attach", "talker", "-c", "other")).toMatchObject({ code: 1, stderr: "error: container other not found in pod talker\n" });
  });
});

describe("cp", () => {
  it("kctl cp a file in and back out", async () => {
    const local = path.join(dir, "in.bin");
    const data = crypto.randomBytes(150_000);
    fs.writeFileSync(local, data);
    expect(await k("cp", local, "talker:/tmp/in.bin")).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const sum = await k("exec", "talker", "--", "md5sum", "/tmp/in.bin");
    expect(sum.stdout.split(" ")[0]).toBe(crypto.createHash("md5").update(data).digest("hex"));
    const back = path.join(dir, "out.bin");
    expect(await k("cp", "default/talker:/tmp/in.bin", back, "-c", "main")).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(fs.readFileSync(back).equals(data)).toBe(true);
  });

  it("kctl cp a directory in (into an existing directory, kubectl's rule) and out", async () => {
    const src = path.join(dir, "tree");
    fs.mkdirSync(path.join(src, "sub"), { recursive: true });
    fs.writeFileSync(path.join(src, "a.txt"), "alpha\n");
    fs.writeFileSync(path.join(src, "sub", "b.txt"), "beta\n");
    expect(await k("cp", src, "talker:/tmp")).toMatchObject({ code: 0 });
    expect((await k("exec", "talker", "--", "cat", "/tmp/tree/sub/b.txt")).stdout).toBe("beta\n");
    const back = path.join(dir, "tree-back");
    expect(await k("cp", "talker:/tmp/tree", back)).toMatchObject({ code: 0 });
    expect(fs.readFileSync(path.join(back, "a.txt"), "utf8")).toBe("alpha\n");
    expect(fs.readFileSync(path.join(back, "sub", "b.txt"), "utf8")).toBe("beta\n");
  });

  it("the real kubectl cp a file into the pod and back out, contents equal", async () => {
    const local = path.join(dir, "kubectl-in.txt");
    fs.writeFileSync(local, "copied by kubectl\n".repeat(1000));
    expect(await kubectlAgainst(srv, ["cp", local, "talker:/tmp/kubectl-in.txt"])).toMatchObject({ code: 0 });
    const back = path.join(dir, "kubectl-out.txt");
    expect(await kubectlAgainst(srv, ["cp", "talker:/tmp/kubectl-in.txt", back])).toMatchObject({ code: 0 });
    expect(fs.readFileSync(back, "utf8")).toBe(fs.readFileSync(local, "utf8"));
  });

  it("bad input: a missing pod, remote file or local file is one line, exit 1, nothing written", async () => {
    const local = path.join(dir, "in.bin");
    expect(await k("cp", local, "nope:/tmp/x")).toMatchObject({ code: 1, stdout: "", stderr: 'error: pods "nope" not found\n' });
    const out = path.join(dir, "never");
    const missing = await k("cp", "talker:/does/not/exist", out);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: tar: [^\n]*\/does\/not\/exist[^\n]*\n$/);
    expect(fs.existsSync(out)).toBe(false);
    expect(await k("cp", path.join(dir, "absent"), "talker:/tmp/x")).toMatchObject({ code: 1, stderr: `error: ${path.join(dir, "absent")} doesn't exist in local filesystem\n` });
    expect((await k("exec", "talker", "--", "ls", "/tmp/x")).code).not.toBe(0);
  });
});
