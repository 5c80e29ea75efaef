/**
 * The pod network's iptables rules, each carrying the comment "kctl pod network":
 *   filter DOCKER-USER: ACCEPT from and to the node's podCIDR (Docker's FORWARD chain would
 *     otherwise drop traffic between its bridges and other hosts' pods);
 *   nat POSTROUTING -> KCTL-POSTROUTING: from the podCIDR to the cluster CIDR (pod-to-pod) RETURN,
 *     everything else from the podCIDR MASQUERADE (pods reach the outside as the host).
 * Rules name the node's own range, so agents sharing a host never race to add the same rule;
 * adding is idempotent (`-C` first). Only the POSTROUTING jump is shared.
 */
import { KCTL_RULE_COMMENT, type HostRunner } from "./host-commands.js";

const NAT_CHAIN = "KCTL-POSTROUTING";
const comment = ["-m", "comment", "--comment", KCTL_RULE_COMMENT];

/** A chain's rules as `iptables -S` prints them (word lists without `-A CHAIN`); undefined: no such chain. */
async function listChain(run: HostRunner, table: string, chain: string): Promise<string[][] | undefined> {
  const out = await run("iptables", ["-w", "-t", table, "-S", chain]).catch(() => undefined);
  if (out === undefined) return undefined;
  return out.split("\n").filter((l) => l.startsWith(`-A ${chain} `)).map((l) => splitRule(l).slice(2));
}

const sameRule = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((w, i) => w === b[i]);

async function ensureRule(run: HostRunner, listed: string[][] | undefined, table: string, chain: string, rule: string[], insert = false): Promise<void> {
  // Found in the listing: present. Not found: iptables itself decides (-C), as the listing may
  // print a rule in another form than it was given (a CIDR normalised).
  if (listed?.some((r) => sameRule(r, rule))) return;
  const present = await run("iptables", ["-w", "-t", table, "-C", chain, ...rule]).then(() => true, () => false);
  if (!present) await run("iptables", ["-w", "-t", table, insert ? "-I" : "-A", chain, ...(insert ? ["1"] : []), ...rule]);
}

async function ensureChain(run: HostRunner, listed: string[][] | undefined, table: string, chain: string): Promise<void> {
  if (listed === undefined) await run("iptables", ["-w", "-t", table, "-N", chain]).catch(() => undefined);
}

/**
 * Install the rules for this node's `podCIDR`. Each start of a node checks them: the three
 * chains are listed at once (three commands) and only what is missing is checked and added one
 * command at a time, instead of seven commands in a row before the node is Ready.
 * @throws Error naming the iptables command that failed
 */
export async function ensureMasquerade(run: HostRunner, clusterCidr: string, podCIDR: string): Promise<void> {
  const [dockerUser, natChain, postrouting] = await Promise.all([
    listChain(run, "filter", "DOCKER-USER"),
    listChain(run, "nat", NAT_CHAIN),
    listChain(run, "nat", "POSTROUTING"),
  ]);
  await ensureChain(run, dockerUser, "filter", "DOCKER-USER");
  await ensureRule(run, dockerUser, "filter", "DOCKER-USER", ["-s", podCIDR, ...comment, "-j", "ACCEPT"], true);
  await ensureRule(run, dockerUser, "filter", "DOCKER-USER", ["-d", podCIDR, ...comment, "-j", "ACCEPT"], true);
  await ensureChain(run, natChain, "nat", NAT_CHAIN);
  // RETURN before MASQUERADE: both appended, in this order, for this range
  await ensureRule(run, natChain, "nat", NAT_CHAIN, ["-s", podCIDR, "-d", clusterCidr, ...comment, "-j", "RETURN"], true);
  await ensureRule(run, natChain, "nat", NAT_CHAIN, ["-s", podCIDR, ...comment, "-j", "MASQUERADE"]);
  await ensureRule(run, postrouting, "nat", "POSTROUTING", [...comment, "-j", NAT_CHAIN], true);
}

/** Delete every rule carrying kctl's comment, and kctl's chain; other rules are never touched. */
export async function removeMasquerade(run: HostRunner): Promise<number> {
  let removed = 0;
  for (const [table, chain] of [["filter", "DOCKER-USER"], ["nat", "POSTROUTING"]] as const) {
    const rules = await run("iptables", ["-w", "-t", table, "-S", chain]).catch(() => "");
    for (const line of rules.split("\n")) {
      if (!line.startsWith(`-A ${chain} `) || !line.includes(`"${KCTL_RULE_COMMENT}"`)) continue;
      const args = splitRule(line.slice(3));
      await run("iptables", ["-w", "-t", table, "-D", ...args]).then(() => removed++, () => undefined);
    }
  }
  await run("iptables", ["-w", "-t", "nat", "-F", NAT_CHAIN]).catch(() => undefined);
  await run("iptables", ["-w", "-t", "nat", "-X", NAT_CHAIN]).catch(() => undefined);
  return removed;
}

/** `iptables -S` words, with "quoted comments" kept whole. */
function splitRule(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? "");
  return out;
}
