/**
 * The second floors of bench/pod-network.ts: the same kinds of path built by hand with plain
 * Linux devices inside the lab's host namespaces, with no kctl, no Docker network and no kctl
 * rule on them, so a gap can be split into "what any such path costs here" and "what kctl adds":
 *   raw pods     a netns "pod" on h1 and on h2, each on a plain bridge by a veth, host routes
 *                between them (host-gw by hand): 10.250.1.2 -> 10.250.2.2
 *   raw vxlan    h1 and h3 (across the router) over a plain VXLAN device, host to host:
 *                10.251.0.1 -> 10.251.0.3 (VNI 42, port 4799, outer UDP checksum off)
 * Everything is named `raw*` inside the lab's namespaces, plus the pod namespaces <lab>-rp1/2;
 * {@link removeRawPaths} removes it (the lab's `down` would too, except the pod namespaces).
 */

/** Runs a host command (the bench's `sh`). */
export type Sh = (cmd: string, args: string[]) => Promise<string>;

/** Where the raw paths are reachable. */
export interface RawPaths {
  /** netns files of the two raw pods */
  pod1Ns: string;
  pod2Ns: string;
  pod2IP: string;
  /** host-to-host over the plain VXLAN device, h1 -> h3 */
  vxlanIP: string;
}

/**
 * Build both raw paths. `pfx` is the lab's name prefix, `a`/`b` its segments ("192.168.91").
 * @throws Error naming the command that failed
 */
export async function setupRawPaths(sh: Sh, pfx: string, a: string, b: string): Promise<RawPaths> {
  const ipn = (ns: string, ...args: string[]): Promise<string> => sh("ip", ["-n", ns, ...args]);
  const hosts = [
    { h: `${pfx}-h1`, pod: `${pfx}-rp1`, net: "10.250.1", other: "10.250.2.0/24", via: `${a}.12` },
    { h: `${pfx}-h2`, pod: `${pfx}-rp2`, net: "10.250.2", other: "10.250.1.0/24", via: `${a}.11` },
  ];
  for (const x of hosts) {
    await sh("ip", ["netns", "add", x.pod]);
    await ipn(x.h, "link", "add", "rawbr", "type", "bridge");
    await ipn(x.h, "addr", "add", `${x.net}.1/24`, "dev", "rawbr");
    await ipn(x.h, "link", "set", "rawbr", "up");
    await ipn(x.h, "link", "add", "rawveth", "type", "veth", "peer", "name", "eth0", "netns", x.pod);
    await ipn(x.h, "link", "set", "rawveth", "master", "rawbr", "up");
    await ipn(x.pod, "link", "set", "lo", "up");
    await ipn(x.pod, "addr", "add", `${x.net}.2/24`, "dev", "eth0");
    await ipn(x.pod, "link", "set", "eth0", "up");
    await ipn(x.pod, "route", "add", "default", "via", `${x.net}.1`);
    await ipn(x.h, "route", "add", x.other, "via", x.via);
    // the same two accepts kctl puts first in DOCKER-USER for its range, so the engine's FORWARD
    // rules treat both paths alike
    for (const dir of ["-s", "-d"]) await sh("ip", ["netns", "exec", x.h, "iptables", "-w", "-I", "DOCKER-USER", "1", dir, `${x.net}.0/24`, "-j", "ACCEPT"]);
  }
  const vx = [
    { h: `${pfx}-h1`, local: `${a}.11`, remote: `${b}.13`, ip: "10.251.0.1" },
    { h: `${pfx}-h3`, local: `${b}.13`, remote: `${a}.11`, ip: "10.251.0.3" },
  ];
  for (const x of vx) {
    await ipn(x.h, "link", "add", "rawvx", "type", "vxlan", "id", "42", "local", x.local, "remote", x.remote, "dev", "eth0", "dstport", "4799", "noudpcsum");
    await ipn(x.h, "addr", "add", `${x.ip}/24`, "dev", "rawvx");
    await ipn(x.h, "link", "set", "rawvx", "up");
  }
  return { pod1Ns: `/run/netns/${pfx}-rp1`, pod2Ns: `/run/netns/${pfx}-rp2`, pod2IP: "10.250.2.2", vxlanIP: "10.251.0.3" };
}

/** Remove what {@link setupRawPaths} made; parts already gone are fine. */
export async function removeRawPaths(sh: Sh, pfx: string): Promise<void> {
  const quiet = (p: Promise<string>): Promise<unknown> => p.catch(() => undefined);
  for (const [h, net, other] of [["h1", "10.250.1", "10.250.2.0/24"], ["h2", "10.250.2", "10.250.1.0/24"]] as const) {
    await quiet(sh("ip", ["netns", "del", `${pfx}-r${h.replace("h", "p")}`]));
    await quiet(sh("ip", ["-n", `${pfx}-${h}`, "link", "del", "rawbr"]));
    await quiet(sh("ip", ["-n", `${pfx}-${h}`, "route", "del", other]));
    for (const dir of ["-s", "-d"]) await quiet(sh("ip", ["netns", "exec", `${pfx}-${h}`, "iptables", "-w", "-D", "DOCKER-USER", dir, `${net}.0/24`, "-j", "ACCEPT"]));
  }
  for (const h of ["h1", "h3"]) await quiet(sh("ip", ["-n", `${pfx}-${h}`, "link", "del", "rawvx"]));
}
