/**
 * Who holds a TCP port: the listening socket's inode from /proc/net/tcp{,6}, then the process
 * whose file descriptors include `socket:[inode]`. Linux only, and only the processes this user
 * may inspect (root sees all); anything else is "unknown" (undefined), never an error.
 */
import fs from "node:fs";

/** TCP state 0A is LISTEN in /proc/net/tcp. */
const LISTEN = "0A";

/** `nginx (pid 812)` for the process listening on `port`, or undefined when it cannot be told. */
export function describePortHolder(port: number): string | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to inspect
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) return `${processName(pid)} (pid ${pid})`;
    }
  }
  return undefined;
}

function listeningInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const out = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = fs.readFileSync(table, "utf8");
    } catch {
      continue;
    }
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === LISTEN && f[1]!.endsWith(`:${hexPort}`) && f[9] !== "0") out.add(f[9]!);
    }
  }
  return out;
}

/**
 * The command line, short enough for one error line: the program and its first few words that
 * are not options, paths cut to their last part (`node kctl server`, `python3 http.server 8000`);
 * else the comm name.
 */
function processName(pid: string): string {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    if (argv.length) {
      const base = (a: string) => a.split("/").pop()!;
      return [base(argv[0]!), ...argv.slice(1).filter((a) => !a.startsWith("-")).slice(0, 3).map(base)].join(" ");
    }
  } catch {
    // fall through to comm
  }
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "a process";
  }
}
