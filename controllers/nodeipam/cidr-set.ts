/**
 * A cluster CIDR cut into equal per-node ranges (Kubernetes' cidrset): allocate the lowest free
 * one, occupy one a node already carries, release one when its node goes. Pure, no I/O.
 */
import { intToIp, parseCidr, type Ipv4Range } from "../../lib/ipv4.js";

/** The per-node ranges of one cluster CIDR and who holds each. */
export class CidrSet {
  readonly cluster: Ipv4Range;
  readonly maskBits: number;
  private readonly count: number;
  /** index of a range -> the node holding it */
  private readonly owners = new Map<number, string>();

  /** @throws Error when the mask is not longer than the cluster CIDR's prefix (or longer than /30) */
  constructor(clusterCidr: string, maskBits: number) {
    this.cluster = parseCidr(clusterCidr);
    if (!(Number.isInteger(maskBits) && maskBits > this.cluster.bits && maskBits <= 30)) {
      throw new Error(`node CIDR mask /${maskBits} must be longer than the cluster CIDR's /${this.cluster.bits} and at most /30`);
    }
    this.maskBits = maskBits;
    this.count = 2 ** (maskBits - this.cluster.bits);
  }

  /** How many node ranges there are in total. */
  get capacity(): number {
    return this.count;
  }

  /** How many are held. */
  get used(): number {
    return this.owners.size;
  }

  private cidrOf(index: number): string {
    return `${intToIp(this.cluster.base + index * 2 ** (32 - this.maskBits))}/${this.maskBits}`;
  }

  /** The index of `cidr` in this set, or undefined when it is not one of its ranges. */
  private indexOf(cidr: string): number | undefined {
    let r: Ipv4Range;
    try {
      r = parseCidr(cidr);
    } catch {
      return undefined;
    }
    if (r.bits !== this.maskBits || r.base < this.cluster.base || r.base >= this.cluster.base + this.cluster.size) return undefined;
    return (r.base - this.cluster.base) / r.size;
  }

  /** The node holding `cidr`, if any. */
  ownerOf(cidr: string): string | undefined {
    const i = this.indexOf(cidr);
    return i === undefined ? undefined : this.owners.get(i);
  }

  /**
   * Record that `node` holds `cidr` (a node that already had one at start).
   * @returns "ok", "outside" (not one of this set's ranges) or the name of the node already holding it
   */
  occupy(cidr: string, node: string): "ok" | "outside" | { heldBy: string } {
    const i = this.indexOf(cidr);
    if (i === undefined) return "outside";
    const holder = this.owners.get(i);
    if (holder !== undefined && holder !== node) return { heldBy: holder };
    this.owners.set(i, node);
    return "ok";
  }

  /** The lowest free range for `node` (the one it holds already, if any), or undefined when full. */
  allocate(node: string): string | undefined {
    for (const [i, owner] of this.owners) if (owner === node) return this.cidrOf(i);
    for (let i = 0; i < this.count; i++) {
      if (!this.owners.has(i)) {
        this.owners.set(i, node);
        return this.cidrOf(i);
      }
    }
    return undefined;
  }

  /** Free whatever `node` holds. */
  releaseNode(node: string): string[] {
    const freed: string[] = [];
    for (const [i, owner] of [...this.owners]) {
      if (owner === node) {
        this.owners.delete(i);
        freed.push(this.cidrOf(i));
      }
    }
    return freed;
  }
}
