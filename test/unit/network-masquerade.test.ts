/**
 * ensureMasquerade's commands against a scripted iptables (the real one is exercised by the pod
 * network's integration and lab tests): a fresh host gets every chain and rule; a host that has
 * them (every restart) costs three listings and nothing else; a rule the listing prints in
 * another form is still checked with -C rather than added twice.
 */
import { describe, expect, it } from "vitest";
import { ensureMasquerade } from "../../kubelet/network/masquerade.js";
import type { HostRunner } from "../../kubelet/network/host-commands.js";

const C = '-m comment --comment "kctl pod network"';

/** A runner answering `-S` from `chains` (absent: no such chain) and `-C` from `present`. */
function iptables(chains: Record<string, string[]>, present: (args: string[]) => boolean = () => false): { run: HostRunner; calls: string[] } {
  const calls: string[] = [];
  const run: HostRunner = async (cmd, args) => {
    calls.push(`${cmd} ${args.join(" ")}`);
    const op = args[3];
    if (op === "-S") {
      const rules = chains[`${args[2]}/${args[4]}`];
      if (!rules) throw new Error(`iptables: No chain/target/match by that name.`);
      return [`-N ${args[4]}`, ...rules.map((r) => `-A ${args[4]} ${r}`)].join("\n") + "\n";
    }
    if (op === "-C" && !present(args)) throw new Error("iptables: Bad rule");
    return "";
  };
  return { run, calls };
}

describe("ensureMasquerade", () => {
  it("on a fresh host creates kctl's chain and adds every rule", async () => {
    const { run, calls } = iptables({ "filter/DOCKER-USER": ["-j RETURN"], "nat/POSTROUTING": ["-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"] });
    await ensureMasquerade(run, "10.244.0.0/16", "10.244.3.0/24");
    const changes = calls.filter((c) => / -[NIA] /.test(c));
    expect(changes).toEqual([
      "iptables -w -t filter -I DOCKER-USER 1 -s 10.244.3.0/24 -m comment --comment kctl pod network -j ACCEPT",
      "iptables -w -t filter -I DOCKER-USER 1 -d 10.244.3.0/24 -m comment --comment kctl pod network -j ACCEPT",
      "iptables -w -t nat -N KCTL-POSTROUTING",
      "iptables -w -t nat -I KCTL-POSTROUTING 1 -s 10.244.3.0/24 -d 10.244.0.0/16 -m comment --comment kctl pod network -j RETURN",
      "iptables -w -t nat -A KCTL-POSTROUTING -s 10.244.3.0/24 -m comment --comment kctl pod network -j MASQUERADE",
      "iptables -w -t nat -I POSTROUTING 1 -m comment --comment kctl pod network -j KCTL-POSTROUTING",
    ]);
  });

  it("on a host that has them (a restart) only lists the three chains", async () => {
    const { run, calls } = iptables({
      "filter/DOCKER-USER": [`-d 10.244.3.0/24 ${C} -j ACCEPT`, `-s 10.244.3.0/24 ${C} -j ACCEPT`, "-j RETURN"],
      "nat/KCTL-POSTROUTING": [`-s 10.244.3.0/24 -d 10.244.0.0/16 ${C} -j RETURN`, `-s 10.244.3.0/24 ${C} -j MASQUERADE`],
      "nat/POSTROUTING": [`${C} -j KCTL-POSTROUTING`],
    });
    await ensureMasquerade(run, "10.244.0.0/16", "10.244.3.0/24");
    expect(calls.sort()).toEqual(["iptables -w -t filter -S DOCKER-USER", "iptables -w -t nat -S KCTL-POSTROUTING", "iptables -w -t nat -S POSTROUTING"]);
  });

  it("a rule the listing shows in another form is checked with -C, not added again", async () => {
    // --cluster-cidr given as 10.244.7.0/16: iptables lists the network, 10.244.0.0/16
    const { run, calls } = iptables(
      {
        "filter/DOCKER-USER": [`-d 10.244.3.0/24 ${C} -j ACCEPT`, `-s 10.244.3.0/24 ${C} -j ACCEPT`],
        "nat/KCTL-POSTROUTING": [`-s 10.244.3.0/24 -d 10.244.0.0/16 ${C} -j RETURN`, `-s 10.244.3.0/24 ${C} -j MASQUERADE`],
        "nat/POSTROUTING": [`${C} -j KCTL-POSTROUTING`],
      },
      (args) => args.includes("10.244.7.0/16"),
    );
    await ensureMasquerade(run, "10.244.7.0/16", "10.244.3.0/24");
    expect(calls.filter((c) => c.includes(" -C "))).toEqual(["iptables -w -t nat -C KCTL-POSTROUTING -s 10.244.3.0/24 -d 10.244.7.0/16 -m comment --comment kctl pod network -j RETURN"]);
    expect(calls.filter((c) => / -[NIA] /.test(c))).toEqual([]);
  });
});
