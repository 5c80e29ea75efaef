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

