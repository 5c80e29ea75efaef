/**
 * A private 3-member etcd cluster on loopback for a test that kills members (the shared one of
 * scripts/etcd.sh serves other suites and must stay whole). Debian's etcd-server, installed by
 * scripts/etcd.sh (ensureEtcd); members on client ports BASE, BASE+100, BASE+200 and peer ports
 * one above each; data in a temp dir removed by stop(). Take BASE below 32768: Linux hands out
 * ephemeral ports from 32768 up (ip_local_port_range), and a fixed port there can be taken by any
 * other suite's outgoing connection or port-0 listener (one CI run lost a member that way).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eventually } from "./eventually.js";

/** A running private etcd cluster (see {@link startEtcdCluster}). */
export interface EtcdCluster {
  endpoints: string[];
  /** The index of the member that leads the Raft group now (from /v3/maintenance/status). */
  leader(): Promise<number>;
  /** SIGKILL one member; resolves when it has exited. */
  kill(i: number): Promise<void>;
  stop(): Promise<void>;
}

interface StatusAnswer {
  header?: { member_id?: string };
  leader?: string;
}

async function status(endpoint: string): Promise<StatusAnswer | undefined> {
  try {
    const r = await fetch(`${endpoint}/v3/maintenance/status`, { method: "POST", body: "{}", signal: AbortSignal.timeout(2_000) });
    return r.ok ? ((await r.json()) as StatusAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/** The last line of an etcd log (JSON lines: its "msg" and "error" fields when it parses). */
function lastLogLine(text: string): string {
  const line = text.trim().split("\n").pop() ?? "";
  try {
    const j = JSON.parse(line) as { msg?: string; error?: string };
    return [j.msg, j.error].filter(Boolean).join(": ") || line;
  } catch {
    return line || "(no output)";
  }
}

/** Start the three members and wait until every one is healthy. */
export async function startEtcdCluster(basePort: number): Promise<EtcdCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-etcd-cluster-"));
  const members = [0, 1, 2].map((i) => ({ name: `e${i}`, client: `http://127.0.0.1:${basePort + i * 100}`, peer: `http://127.0.0.1:${basePort + i * 100 + 1}` }));
  const initial = members.map((m) => `${m.name}=${m.peer}`).join(",");
  // A member answering already is a leftover of an earlier run: the new ones could not bind, and
  // the test would talk to the old cluster without knowing.
  for (const m of members) {
    if (await fetch(`${m.client}/health`).then(() => true, () => false)) throw new Error(`something answers on ${m.client} already (an etcd left by an earlier run?): stop it first`);
  }
  const procs: ChildProcess[] = members.map((m) =>
    spawn("/usr/bin/etcd", [
      "--name", m.name, "--data-dir", path.join(dir, m.name),
      "--listen-client-urls", m.client, "--advertise-client-urls", m.client,
      "--listen-peer-urls", m.peer, "--initial-advertise-peer-urls", m.peer,
      "--initial-cluster", initial, "--initial-cluster-state", "new", "--initial-cluster-token", `kctl-test-${basePort}`,
      "--heartbeat-interval", "100", "--election-timeout", "1000",
    ], { stdio: ["ignore", "ignore", "pipe"] }),
  );
  // The last lines a member wrote, so a member that exits says why (a port taken, a bad flag).
  const stderrTails = procs.map((p) => {
    const tail = { text: "" };
    p.stderr?.on("data", (d: Buffer) => { tail.text = (tail.text + d.toString()).slice(-2_000); });
    return tail;
  });
  const exited = procs.map((p) => new Promise<void>((r) => p.once("exit", () => r())));
  const cluster: EtcdCluster = {
    endpoints: members.map((m) => m.client),
    async leader() {
      const found = await eventually("an etcd leader", async () => {
        for (const [i, m] of members.entries()) {
          const s = await status(m.client);
          if (s?.leader && s.header?.member_id === s.leader) return { i }; // wrapped: member 0 is not "no answer"
        }
        return undefined;
      }, { timeoutMs: 15_000 });
      return found.i;
    },
    async kill(i) {
      procs[i]!.kill("SIGKILL");
      await exited[i];
    },
    async stop() {
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
      await Promise.all(exited);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await eventually("the etcd members healthy", async () => {
      const dead = procs.findIndex((p) => p.exitCode !== null);
      if (dead >= 0) throw new Error(`etcd member e${dead} exited with ${procs[dead]!.exitCode}: ${lastLogLine(stderrTails[dead]!.text)}`);
      for (const m of members) if (!(await fetch(`${m.client}/health`).then((r) => r.ok).catch(() => false))) return false;
      return true;
    }, { timeoutMs: 30_000 });
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}
