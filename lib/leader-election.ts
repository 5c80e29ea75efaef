/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics, so that of the
 * controller managers (or schedulers) of several API servers exactly one is active:
 *
 * - A candidate tries every `retryPeriod` to acquire the Lease: it may when the Lease does not
 *   exist, has no holder, or its record has not changed for `leaseDuration` as measured on the
 *   candidate's own clock (client-go's observedTime: no trust in other machines' clocks).
 * - Acquiring writes holderIdentity, acquireTime, renewTime and leaseDurationSeconds, and bumps
 *   leaseTransitions when the holder changes; every write carries the resourceVersion read, so of
 *   two candidates racing the API server (its store) lets exactly one win.
 * - The leader renews renewTime every `retryPeriod`; when no renewal has succeeded for
 *   `renewDeadline` (< leaseDuration) it stops leading before anyone else may take over.
 * - Stopping while leading releases the Lease (holder cleared, duration 1 s), as client-go's
 *   ReleaseOnCancel does, so that a successor takes over at once.
 */
import type { Logger } from "pino";
import type { ApiClient } from "./client.js";
import { isConflict, isNotFound } from "./errors.js";
import { rfc3339Micro } from "./timestamps.js";
import type { Lease } from "./types.js";

/** What to elect a leader for, and how. */
export interface LeaderElectionOptions {
  client: ApiClient;
  /** Lease name: `kube-controller-manager`, `kube-scheduler` */
  name: string;
  /** default `kube-system` */
  namespace?: string;
  /** this candidate, unique among candidates (`<host>_<uuid>` as client-go) */
  identity: string;
  /** how long a non-renewed lease keeps others out (default 15 s) */
  leaseDurationMs?: number;
  /** a leader that could not renew for this long stops leading (default 10 s) */
  renewDeadlineMs?: number;
  /** between tries to acquire or renew (default 2 s) */
  retryPeriodMs?: number;
  logger: Logger;
  /** Called on becoming leader; returns how to stop what it started. */
  onStartedLeading: () => Promise<() => Promise<void>>;
  /** clock (tests) */
  now?: () => number;
}

/** A running election. */
export interface LeaderElection {
  isLeader(): boolean;
  /**
   * Stop competing; a leader stops what it started and releases the Lease. `release: false`
   * leaves the Lease held, as a crashed process would (tests of the takeover).
   */
  stop(opts?: { release?: boolean }): Promise<void>;
}

/** Check the three durations as client-go does: leaseDuration > renewDeadline > retryPeriod > 0. */
export function checkLeaderElectionTimings(leaseMs: number, renewMs: number, retryMs: number): void {
  if (!(retryMs > 0)) throw new Error("--leader-elect-retry-period must be greater than zero");
  if (!(renewMs > retryMs)) throw new Error("--leader-elect-renew-deadline must be greater than --leader-elect-retry-period");
  if (!(leaseMs > renewMs)) throw new Error("--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline");
}

/** Start competing for the Lease `opts.name`; returns at once. */
export function startLeaderElection(opts: LeaderElectionOptions): LeaderElection {
  const namespace = opts.namespace ?? "kube-system";
  const leaseMs = opts.leaseDurationMs ?? 15_000;
  const renewMs = opts.renewDeadlineMs ?? 10_000;
  const retryMs = opts.retryPeriodMs ?? 2_000;
  checkLeaderElectionTimings(leaseMs, renewMs, retryMs);
  const now = opts.now ?? Date.now;
  const log = opts.logger.child({ lease: `${namespace}/${opts.name}`, identity: opts.identity });
  let stopped = false;
  let leading = false;
  let lastRenew = 0;
  let stopLeading: (() => Promise<void>) | undefined;
  let transition: Promise<void> = Promise.resolve();
  /** the last record seen, and when (on this clock) it was first seen */
  let observed: { key: string; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const leaseObject = (cur: Lease | undefined, at: Date): Lease => {
    const spec = cur?.spec ?? {};
    const changedHolder = spec.holderIdentity !== opts.identity;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: cur ? { ...cur.metadata } : { name: opts.name, namespace },
      spec: {
        holderIdentity: opts.identity,
        leaseDurationSeconds: Math.ceil(leaseMs / 1000),
        acquireTime: changedHolder || !spec.acquireTime ? rfc3339Micro(at) : spec.acquireTime,
        renewTime: rfc3339Micro(at),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (cur && changedHolder && spec.holderIdentity ? 1 : 0),
      },
    };
  };

  /** One try: true when this candidate holds the Lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    let cur: Lease | undefined;
    try {
      cur = await opts.client.get<Lease>("Lease", opts.name, namespace);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const t = now();
    if (!cur) {
      await opts.client.create(leaseObject(undefined, new Date(t)), namespace);
      return true;
    }
    const spec = cur.spec ?? {};
    const key = `${spec.holderIdentity ?? ""}|${spec.renewTime ?? ""}|${cur.metadata.resourceVersion ?? ""}`;
    if (!observed || observed.key !== key) observed = { key, at: t };
    const holder = spec.holderIdentity ?? "";
    const duration = (spec.leaseDurationSeconds ?? Math.ceil(leaseMs / 1000)) * 1000;
    if (holder !== "" && holder !== opts.identity && observed.at + duration > t) return false;
    await opts.client.update(leaseObject(cur, new Date(t)));
    return true;
  };

  const becomeLeader = (): void => {
    leading = true;
    log.info("became leader");
    transition = transition.then(async () => {
      if (!leading || stopped) return;
      stopLeading = await opts.onStartedLeading();
    });
  };

  const loseLeadership = (why: string): void => {
    if (!leading) return;
    leading = false;
    log.warn({ why }, "stopped leading");
    transition = transition.then(async () => {
      const s = stopLeading;
      stopLeading = undefined;
      if (s) await s();
    });
  };

  const tick = async (): Promise<void> => {
    if (stopped) return;
    try {
      const held = await tryAcquireOrRenew();
      if (stopped) return;
      if (held) {
        lastRenew = now();
        if (!leading) becomeLeader();
      } else if (leading) {
        loseLeadership("another candidate holds the lease");
      }
    } catch (e) {
      if (!isConflict(e)) log.debug({ err: (e as Error).message }, "lease update failed");
    }
    if (leading && now() - lastRenew >= renewMs) loseLeadership(`could not renew the lease for ${renewMs / 1000}s`);
    if (!stopped) timer = setTimeout(() => void tick(), retryMs);
  };
  void tick();

  return {
    isLeader: () => leading,
    async stop(stopOpts = {}) {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      const wasLeading = leading;
      loseLeadership("stopping");
      await transition;
      if (!wasLeading || stopOpts.release === false) return;
      // Release: holder cleared, 1 s duration, so that a successor need not wait out the lease.
      try {
        const cur = await opts.client.get<Lease>("Lease", opts.name, namespace);
        if (cur.spec?.holderIdentity === opts.identity) {
          await opts.client.update({ ...cur, spec: { ...cur.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: rfc3339Micro(new Date(now())) } });
        }
      } catch (e) {
        log.debug({ err: (e as Error).message }, "could not release the lease");
      }
    },
  };
}
