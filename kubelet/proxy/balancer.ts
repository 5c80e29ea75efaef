/**
 * Backend choice for one service port: round-robin, or sticky per client address with
 * `sessionAffinity: ClientIP` (Kubernetes' default stickiness timeout: 3 hours).
 */
import type { Backend } from "./backends.js";

/** Kubernetes' default `sessionAffinityConfig.clientIP.timeoutSeconds`. */
export const DEFAULT_AFFINITY_SECONDS = 10_800;
/** Affinity entries kept per service port; the oldest go first (bounded memory). */
const MAX_AFFINITY_ENTRIES = 10_000;

/** Round-robin with optional client-IP affinity over a changing backend list. */
export class Balancer {
  private next = 0;
  private readonly sticky = new Map<string, { key: string; expires: number }>();

  constructor(
    /** 0 = no affinity */
    private affinityMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  /** Change the affinity timeout (service edited). 0 turns affinity off. */
  setAffinity(ms: number): void {
    if (ms !== this.affinityMs) this.sticky.clear();
    this.affinityMs = ms;
  }

  /**
   * The order to try backends in for a new connection from `clientIP`: the chosen one first,
   * then the others in round-robin order (fallbacks when a connect is refused).
   */
  order(backends: readonly Backend[], clientIP: string): Backend[] {
    const n = backends.length;
    if (n === 0) return [];
    let start = -1;
    if (this.affinityMs > 0) {
      const s = this.sticky.get(clientIP);
      if (s && s.expires > this.now()) start = backends.findIndex((b) => b.key === s.key);
    }
    if (start < 0) {
      start = this.next % n;
      this.next = (start + 1) % n;
    }
    const out: Backend[] = [];
    for (let i = 0; i < n; i++) out.push(backends[(start + i) % n]!);
    return out;
  }

  /** Record where a client's connection actually went (affinity follows the backend that answered). */
  connected(clientIP: string, backend: Backend): void {
    if (this.affinityMs <= 0) return;
    this.sticky.delete(clientIP);
    if (this.sticky.size >= MAX_AFFINITY_ENTRIES) {
      const oldest = this.sticky.keys().next().value;
      if (oldest !== undefined) this.sticky.delete(oldest);
    }
    this.sticky.set(clientIP, { key: backend.key, expires: this.now() + this.affinityMs });
  }
}
