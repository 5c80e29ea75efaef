/**
 * The host commands the pod network runs (`ip`, `bridge`, `iptables`), one place: every change
 * to the host goes through `run`, so the error a node reports names the command that failed.
 */
import { execFile } from "node:child_process";

/** Runs a host command; resolves with its stdout, rejects with an Error naming it and its stderr. */
export type HostRunner = (cmd: string, args: string[]) => Promise<string>;

/** Route protocol number of every route kctl adds (`ip route show proto 107`): how they are found again. */
export const KCTL_ROUTE_PROTO = "107";
/** Comment on every iptables rule kctl adds. */
export const KCTL_RULE_COMMENT = "kctl pod network";
/** The VXLAN device of the overlay (a kctl* name: the cluster CIDR check ignores kctl's own devices). */
export const VXLAN_DEVICE = "kctl.vxlan";
/** flannel's VXLAN port and VNI, so a lab's firewall notes carry over. */
export const VXLAN_PORT = 8472;
export const VXLAN_VNI = 1;

/** The real runner (execFile, no shell). */
export const execHost: HostRunner = (cmd, args) =>
  new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${(stderr || err.message).trim().split("\n")[0]}`));
      else resolve(stdout);
    });
  });
