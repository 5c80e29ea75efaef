/**
 * Pod-to-pod across hosts on the simulated lab (scripts/lab.sh, 3 hosts: h1 and h2 on one
 * segment, h3 behind the router), side by side with the floor: the same TCP exchange between
 * the hosts themselves over the same veths, and with second floors built by hand with no kctl
 * at all (pod-network-raw.ts). Paths:
 *   host-gw floor   h1 -> h2 host addresses        raw pods  netns on a plain bridge, h1 -> h2
 *   host-gw         pod on h1 -> pod on h2
 *   routed floor    h1 -> h3 through the router    raw vxlan h1 -> h3 over a plain VXLAN device
 *   overlay         pod on h1 -> pod on h3 (VXLAN)
 * Each path: request/response latency (64-byte echo, one connection, sequential) p50/p99, and
 * throughput (one connection, 128 MiB). The same compiled file is the peer: run with `peer
 * server|client` inside a network namespace (nsenter --net=/proc/PID/ns/net), so hosts and pods
 * use the identical program. That program is Node: its own CPU per byte is part of what it
 * measures, so when iperf3 is installed each path's throughput is also measured with it (3 s,
 * one stream), which moves bytes with far less CPU of its own and shows the network's share.
 *
 *   node dist/bench/pod-network.js [--runs 3] [--keep]     (root; brings the lab up and down)
 * With KCTL_LAB_NAME/KCTL_LAB_NET/KCTL_LAB_PORT (scripts/lab.sh) it uses a lab of its own beside
 * a test run's.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { removeRawPaths, setupRawPaths } from "./pod-network-raw.js";

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), "../..");
const LAB = path.join(ROOT, "scripts/lab.sh");
// the lab's names and segments (scripts/lab.sh: KCTL_LAB_NAME, KCTL_LAB_NET), so the bench can run
// beside a test run's lab
const PFX = process.env.KCTL_LAB_NAME ?? "klab";
const NET = Number(process.env.KCTL_LAB_NET ?? 91);
const LAB_DIR = process.env.KCTL_LAB_DIR ?? `/run/${PFX}`;
const KUBECONFIG = `${LAB_DIR}/server/admin.kubeconfig`;
const PORT = 7777;
const PINGS = 3000;
const BYTES = 128 << 20;

// ---------------------------------------------------------------- the peer (in a netns)

async function peerServer(): Promise<void> {
  const srv = net.createServer((s) => {
    s.setNoDelay(true);
    s.on("data", (d) => {
      // first byte 'P': echo (latency); anything else: sink (throughput), answer at the end
      if (d[0] === 0x50) s.write(d);
    });
    s.on("error", () => undefined);
  });
  srv.listen(PORT, "0.0.0.0", () => process.stdout.write("ready\n"));
}

async function peerClient(host: string): Promise<void> {
  const connect = (): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const s = net.connect(PORT, host, () => resolve(s));
      s.setNoDelay(true);
      s.once("error", reject);
    });
  // latency
  const s = await connect();
  const msg = Buffer.alloc(64, 0x50);
  const times: number[] = [];
  for (let i = 0; i < PINGS; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      let got = 0;
      const on = (d: Buffer): void => {
        got += d.length;
        if (got >= msg.length) {
          s.off("data", on);
          resolve();
        }
      };
      s.on("data", on);
      s.write(msg);
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  s.destroy();
  times.sort((a, b) => a - b);
  // throughput
  const t = await connect();
  const chunk = Buffer.alloc(1 << 16, 0x41);
  const t0 = process.hrtime.bigint();
  let sent = 0;
  while (sent < BYTES) {
    sent += chunk.length;
    if (!t.write(chunk)) await new Promise((r) => t.once("drain", r));
  }
  await new Promise<void>((r) => t.end(r));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  t.destroy();
  const pct = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  process.stdout.write(JSON.stringify({ p50us: pct(0.5), p99us: pct(0.99), mibps: BYTES / (1 << 20) / secs }) + "\n");
}

// ---------------------------------------------------------------- the driver

function sh(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 16 << 20, timeout: 300_000 }, (err, out, errOut) => (err ? reject(new Error(`${cmd} ${args.join(" ")}: ${errOut || err.message}`)) : resolve(out))),
  );
}
const kctl = (...args: string[]): Promise<string> => sh("node", [path.join(ROOT, "bin/kctl"), "--kubeconfig", KUBECONFIG, ...args]);

/** The network namespace file of a lab host, or of a pod's sandbox. */
async function hostNs(h: string): Promise<string> {
  return `/run/netns/${PFX}-${h}`;
}
async function podNs(h: string, pod: string): Promise<string> {
  const sock = `unix://${LAB_DIR}/hosts/${h}/docker.sock`;
  const id = (await sh("docker", ["-H", sock, "ps", "-q", "--filter", `label=io.kubernetes.pod.name=${pod}`, "--filter", "label=kctl.io/role=sandbox"])).trim().split("\n")[0];
  const pid = (await sh("docker", ["-H", sock, "inspect", "-f", "{{.State.Pid}}", id ?? ""])).trim();
  return `/proc/${pid}/ns/net`;
}

function startServer(nsFile: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn("nsenter", [`--net=${nsFile}`, process.execPath, SELF, "peer", "server"], { stdio: ["ignore", "pipe", "inherit"] });
    p.stdout!.once("data", () => resolve(p));
    p.once("exit", (code) => reject(new Error(`peer server exited ${code}`)));
  });
}

interface Result {
  p50us: number;
  p99us: number;
  mibps: number;
  /** iperf3's MiB/s on the same path, when iperf3 is installed */
  iperfMibps?: number;
}

const HAVE_IPERF = await sh("iperf3", ["--version"]).then(() => true, () => false);

/** One iperf3 stream for 3 s from `fromNs` to a one-shot server in `toNs`; MiB/s received. */
async function iperf(fromNs: string, toNs: string, toIP: string): Promise<number> {
  await sh("nsenter", [`--net=${toNs}`, "iperf3", "-s", "-1", "-D", "-p", "5201"]);
  let out = "";
  for (let i = 0; i < 50 && !out; i++) {
    out = await sh("nsenter", [`--net=${fromNs}`, "iperf3", "-c", toIP, "-p", "5201", "-t", "3", "-J"]).catch(async () => {
      await new Promise((r) => setTimeout(r, 100)); // the daemonised server is not listening yet
      return "";
    });
  }
  const end = (JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } }).end;
  return end.sum_received.bits_per_second / 8 / (1 << 20);
}

async function measure(fromNs: string, toNs: string, toIP: string): Promise<Result> {
  const server = await startServer(toNs);
  let r: Result;
  try {
    r = JSON.parse((await sh("nsenter", [`--net=${fromNs}`, process.execPath, SELF, "peer", "client", toIP])).trim()) as Result;
  } finally {
    server.kill();
  }
  if (HAVE_IPERF) r.iperfMibps = await iperf(fromNs, toNs, toIP);
  return r;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf("--runs") + 1] ?? 3) || 3;
  const keep = args.includes("--keep");
  await sh("bash", [LAB, "down"]).catch(() => undefined);
  await sh("bash", [LAB, "up", "--hosts", "3", "--routed", "1"]);
  try {
    const raw = await setupRawPaths(sh, PFX, `192.168.${NET}`, `192.168.${NET + 1}`);
    for (const h of ["h1", "h2", "h3"]) {
      await sh("bash", ["-c", `cat <<EOF | node ${ROOT}/bin/kctl --kubeconfig ${KUBECONFIG} apply -f -
apiVersion: v1
kind: Pod
metadata: {name: bench-${h}}
spec:
  nodeSelector: {kubernetes.io/hostname: ${h}}
  containers: [{name: c, image: "kctl-test/busybox:v1", imagePullPolicy: Never, command: [sleep, "3600"]}]
EOF`]);
    }
    const ip: Record<string, string> = {};
    for (let i = 0; i < 240; i++) {
      for (const h of ["h1", "h2", "h3"]) {
        const out = await kctl("get", "pod", `bench-${h}`, "-o", "jsonpath={.status.phase} {.status.podIP}").catch(() => "");
        const [phase, podIP] = out.split(" ");
        if (phase === "Running" && podIP) ip[h] = podIP;
      }
      if (Object.keys(ip).length === 3) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (Object.keys(ip).length !== 3) throw new Error("bench pods did not start");
    const paths: [string, () => Promise<Result>][] = [
      ["host-gw floor (h1 -> h2 hosts)", async () => measure(await hostNs("h1"), await hostNs("h2"), `192.168.${NET}.12`)],
      ["host-gw (pod h1 -> pod h2)", async () => measure(await podNs("h1", "bench-h1"), await podNs("h2", "bench-h2"), ip.h2!)],
      ["routed floor (h1 -> h3 hosts)", async () => measure(await hostNs("h1"), await hostNs("h3"), `192.168.${NET + 1}.13`)],
      ["overlay (pod h1 -> pod h3, VXLAN)", async () => measure(await podNs("h1", "bench-h1"), await podNs("h3", "bench-h3"), ip.h3!)],
      ["raw pods, no kctl (h1 -> h2)", async () => measure(raw.pod1Ns, raw.pod2Ns, raw.pod2IP)],
      ["raw vxlan, no kctl (h1 -> h3 hosts)", async () => measure(await hostNs("h1"), await hostNs("h3"), raw.vxlanIP)],
    ];
    const all = new Map<string, Result[]>(paths.map(([n]) => [n, []]));
    // interleaved runs: load on the shared cores hits every path alike
    for (let r = 0; r < runs; r++) for (const [name, fn] of paths) all.get(name)!.push(await fn());
    const summary = [...all].map(([name, rs]) => ({
      name,
      p50us: median(rs.map((x) => x.p50us)),
      p99us: median(rs.map((x) => x.p99us)),
      mibps: median(rs.map((x) => x.mibps)),
      iperfMibps: HAVE_IPERF ? median(rs.map((x) => x.iperfMibps ?? 0)) : undefined,
    }));
    const row = (c: string[]): string => c.map((x, i) => (i === 0 ? x.padEnd(38) : x.padStart(14))).join("");
    console.log(row(["path", "p50 µs", "p99 µs", "MiB/s", "iperf3 MiB/s"]));
    for (const s of summary) console.log(row([s.name, s.p50us.toFixed(0), s.p99us.toFixed(0), s.mibps.toFixed(0), s.iperfMibps?.toFixed(0) ?? "-"]));
    const [gwFloor, gw, rFloor, ov, rawPods, rawVx] = summary as [typeof summary[0], typeof summary[0], typeof summary[0], typeof summary[0], typeof summary[0], typeof summary[0]];
    const ratios = {
      hostGwLatency: gw.p50us / gwFloor.p50us,
      hostGwThroughput: gwFloor.mibps / gw.mibps,
      overlayLatency: ov.p50us / rFloor.p50us,
      overlayThroughput: rFloor.mibps / ov.mibps,
      // against the kctl-less paths: what kctl itself adds
      hostGwLatencyVsRawPods: gw.p50us / rawPods.p50us,
      hostGwThroughputVsRawPods: rawPods.mibps / gw.mibps,
      rawPodsLatency: rawPods.p50us / gwFloor.p50us,
      rawVxlanThroughput: rFloor.mibps / rawVx.mibps,
      overlayThroughputVsRawVxlan: rawVx.mibps / ov.mibps,
      ...(HAVE_IPERF
        ? {
            iperfHostGwThroughput: gwFloor.iperfMibps! / gw.iperfMibps!,
            iperfOverlayThroughput: rFloor.iperfMibps! / ov.iperfMibps!,
            iperfRawVxlanThroughput: rFloor.iperfMibps! / rawVx.iperfMibps!,
            iperfOverlayThroughputVsRawVxlan: rawVx.iperfMibps! / ov.iperfMibps!,
          }
        : {}),
    };
    const x = (n: number): string => `${n.toFixed(2)}x`;
    // the throughput target is judged on iperf3 when it is there: the Node tool spends most of the
    // CPU itself and under load its MiB/s swings by 2x between runs of one path
    const gwTp = HAVE_IPERF ? ratios.iperfHostGwThroughput! : ratios.hostGwThroughput;
    const ovTp = HAVE_IPERF ? ratios.iperfOverlayThroughput! : ratios.overlayThroughput;
    const tool = HAVE_IPERF ? "iperf3" : "Node tool";
    console.log(`host-gw: ${x(ratios.hostGwLatency)} latency, ${x(gwTp)} throughput (${tool}) of the floor (target <= 1.1x); raw pods without kctl: ${x(ratios.rawPodsLatency)} latency; kctl vs raw pods: ${x(ratios.hostGwLatencyVsRawPods)} latency`);
    console.log(`overlay: ${x(ratios.overlayLatency)} latency, ${x(ovTp)} throughput (${tool}) of the floor (target <= 1.5x); raw vxlan without kctl: ${x(HAVE_IPERF ? ratios.iperfRawVxlanThroughput! : ratios.rawVxlanThroughput)} throughput`);
    console.log(`Node tool throughput of the floor: host-gw ${x(ratios.hostGwThroughput)}, overlay ${x(ratios.overlayThroughput)}, raw vxlan ${x(ratios.rawVxlanThroughput)}`);
    console.log(JSON.stringify({ bench: "pod-network", runs, load: (await sh("cat", ["/proc/loadavg"])).trim(), results: summary, ratios }));
  } finally {
    await removeRawPaths(sh, PFX);
    if (!keep) await sh("bash", [LAB, "down"]).catch(() => undefined);
  }
}

if (process.argv[2] === "peer") {
  if (process.argv[3] === "server") void peerServer();
  else void peerClient(process.argv[4] ?? "");
} else {
  main().catch((e: unknown) => {
    console.error(`pod-network bench: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
