/**
 * The guided start: `kctl server` ends its start-up with where the kubeconfig is, a first command
 * to try and the join command — and each of those works when pasted. Real `kctl server`,
 * `kctl apply` and `kctl agent` processes (the agent on the local Docker engine, no pods).
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removePodBridges } from "../../kubelet/network/pod-bridge.js";
import { kctl, startKctl, type KctlProcess } from "../helpers/cli.js";
import { docker } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { startKctlServer, type KctlServerProcess } from "../helpers/kctl-server.js";

let srv: KctlServerProcess;
let agent: KctlProcess | undefined;
let lines: string[];
beforeAll(async () => {
  srv = startKctlServer({ args: ["--no-kubelet", "--log-level", "warn"] });
  await srv.ready();
  lines = srv.stdout().trim().split("\n");
});
afterAll(async () => {
  await agent?.kill();
  await srv.stop();
  // The joined agent keeps its pod network for a restart that will not come.
  await removePodBridges(docker(), "first-run-joined");
});

/** The words of a printed command, with the kctl program replaced by the built binary's arguments. */
function commandWords(line: string, prefix: string): string[] {
  const words = line.slice(prefix.length).trim().split(/\s+/);
  expect(words[0]).toMatch(/^(\.\/bin\/kctl|kctl)$/);
  const end = words.indexOf("(pods"); // the note after a --no-kubelet try line
  return words.slice(1, end === -1 ? undefined : end);
}

describe("kctl server start-up summary", () => {
  it("is the running line, then kubeconfig, a first command and the join command", () => {
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^kctl server is running: API https:\/\/127\.0\.0\.1:\d+, data in /);
    expect(lines[1]).toMatch(new RegExp(`^kubeconfig: ${srv.dataDir}/admin\\.kubeconfig \\(copied to ${srv.kubeconfig}\\)$`));
    expect(lines[2]).toBe(`try: ./bin/kctl --kubeconfig ${srv.kubeconfig} apply -f manifests/web.yaml   (pods run once an agent joins)`);
    expect(lines[3]).toMatch(/^join another machine: kctl agent --server https:\/\/127\.0\.0\.1:\d+ --token K10[0-9a-f]{64}::\S+$/);
    expect(fs.existsSync(srv.kubeconfig)).toBe(true);
  });

  it("the first command works as printed", async () => {
    const r = await kctl(commandWords(lines[2]!, "try:"));
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("deployment.apps/web created\nservice/web created\n");
  });

  it("the join command joins a node", async () => {
    // No pods for this node: the example goes, and the node is tainted (it must only join).
    expect((await kctl(["--kubeconfig", srv.kubeconfig, "delete", "-f", "manifests/web.yaml"])).code).toBe(0);
    const dataDir = fs.mkdtempSync(`${srv.dataDir}/agent-`);
    agent = startKctl([...commandWords(lines[3]!, "join another machine:"), "--node-name", "first-run-joined", "--node-ip", "127.0.0.1", "--data-dir", dataDir, "--register-with-taints", "kctl.io/first-run=test:NoSchedule", "--log-level", "warn"]);
    await eventually(
      "node first-run-joined Ready",
      async () => {
        const r = await kctl(["--kubeconfig", srv.kubeconfig, "get", "node", "first-run-joined", "--no-headers"]);
        return /^first-run-joined\s+Ready\b/.test(r.stdout);
      },
      { timeoutMs: 30_000 },
    );
  });
});
