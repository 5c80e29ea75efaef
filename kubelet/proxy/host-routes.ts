/**
 * Local routes that make virtual addresses bindable on this host ("AnyIP"):
 * `ip route replace local 10.96.0.0/12 dev lo` makes every address of the range local, so the
 * proxy can listen on `clusterIP:port`, and a pod's packet to a cluster IP (sent to its default
 * gateway, the docker0 bridge) is delivered to that listener. No iptables, no per-service
 * interface addresses. Needs CAP_NET_ADMIN (root).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

/** Runs `ip` (injectable for tests). */
export type IpRunner = (args: string[]) => Promise<void>;

/** The real `ip` command. */
export const runIp: IpRunner = async (args) => {
  await execFileP("ip", args, { timeout: 5000 });
};

/** Make every address of `cidr` local (idempotent). */
export async function addLocalRoute(cidr: string, ip: IpRunner = runIp): Promise<void> {
  await ip(["route", "replace", "local", cidr, "dev", "lo"]);
}

/** Remove a route made by {@link addLocalRoute}; a route already gone is fine. */
export async function removeLocalRoute(cidr: string, ip: IpRunner = runIp): Promise<void> {
  await ip(["route", "del", "local", cidr, "dev", "lo"]).catch(() => undefined);
}

/** Is `ip` inside `cidr` (IPv4)? */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  const a = toInt(base ?? "");
  const b = toInt(ip);
  if (a === undefined || b === undefined || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function toInt(ip: string): number | undefined {
  const p = ip.split(".");
  if (p.length !== 4) return undefined;
  let n = 0;
  for (const x of p) {
    const v = Number(x);
    if (!/^\d{1,3}$/.test(x) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n >>> 0;
}
