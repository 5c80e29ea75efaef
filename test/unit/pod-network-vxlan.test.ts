/**
 * The overlay device and the pods' MTU, against a recording host runner (the real device is
 * checked on the simulated lab in test/e2e/pod-network.test.ts): the VXLAN device is made without
 * the outer UDP checksum, one left with it by an older agent is made again, and pods get the
 * underlay's MTU minus 50.
 */
import { describe, expect, it } from "vitest";
import { ensureVxlan, overlayPodMtu } from "../../kubelet/network/host-routing.js";
import type { HostRunner } from "../../kubelet/network/host-commands.js";

const ADDRS = JSON.stringify([
  { ifname: "lo", mtu: 65536, addr_info: [{ local: "127.0.0.1" }] },
  { ifname: "eth1", mtu: 9000, addr_info: [{ local: "192.0.2.10" }] },
]);

/** A runner answering `ip -j -4 addr show` and `ip -d -j link show kctl.vxlan` (as `device` says), recording every call. */
function recorder(device: "none" | "udpcsum" | "noudpcsum"): { run: HostRunner; calls: string[] } {
  const calls: string[] = [];
  const run: HostRunner = async (cmd, args) => {
    const line = `${cmd} ${args.join(" ")}`;
    calls.push(line);
    if (line === "ip -j -4 addr show") return ADDRS;
    if (line === "ip -d -j link show kctl.vxlan") {
      if (device === "none") throw new Error(`${line}: Device "kctl.vxlan" does not exist.`);
      return JSON.stringify([{ ifname: "kctl.vxlan", linkinfo: { info_kind: "vxlan", info_data: { udp_csum: device === "udpcsum" } } }]);
    }
    return "";
  };
  return { run, calls };
}

describe("the overlay device", () => {
  it("is made bound to the node IP's interface, without learning and without the outer UDP checksum", async () => {
    const { run, calls } = recorder("none");
    await ensureVxlan(run, "n1", "10.244.3.0/24", "192.0.2.10");
    const add = calls.find((c) => c.startsWith("ip link add kctl.vxlan"));
    expect(add).toContain("local 192.0.2.10 dev eth1 dstport 8472 nolearning noudpcsum");
    expect(calls).toContain("ip addr replace 10.244.3.0/32 dev kctl.vxlan");
    expect(calls).not.toContain("ip link del kctl.vxlan");
  });

  it("left by an older agent with the checksum on, it is deleted and made again; one without it is kept", async () => {
    const old = recorder("udpcsum");
    await ensureVxlan(old.run, "n1", "10.244.3.0/24", "192.0.2.10");
    const del = old.calls.indexOf("ip link del kctl.vxlan");
    expect(del).toBeGreaterThan(-1);
    expect(old.calls.findIndex((c) => c.startsWith("ip link add kctl.vxlan"))).toBeGreaterThan(del);

    const current = recorder("noudpcsum");
    await ensureVxlan(current.run, "n1", "10.244.3.0/24", "192.0.2.10");
    expect(current.calls.filter((c) => c.startsWith("ip link add") || c.startsWith("ip link del"))).toEqual([]);
  });
});

describe("the pods' MTU with an overlay", () => {
  it("is the underlay's MTU minus the 50 bytes of encapsulation, 1450 when the underlay cannot be read", async () => {
    expect(await overlayPodMtu(recorder("none").run, "192.0.2.10")).toBe(8950);
    expect(await overlayPodMtu(recorder("none").run, "198.51.100.1")).toBe(1450);
    const failing: HostRunner = async (cmd, args) => Promise.reject(new Error(`${cmd} ${args.join(" ")}: not permitted`));
    expect(await overlayPodMtu(failing, "192.0.2.10")).toBe(1450);
  });
});
