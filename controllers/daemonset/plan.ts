/**
 * The DaemonSet controller's pure decision: given a DaemonSet, the nodes, its pods and the time,
 * which nodes get a pod, which pods go, and the status.
 *
 * ```
 *  every node ── eligibility: NoExecute/selector ─ no ──► delete its daemon pods (misscheduled)
 *                   │ (an untolerated NoSchedule taint: no new pod, an existing one stays)
 *                   │ yes
 *                   ├─ no pod ──► create one (bound to the node)
 *                   ├─ a Failed pod / more than one ──► delete the extra
 *                   └─ an old-template pod ──► RollingUpdate: replace within maxUnavailable
 *                                               (maxSurge > 0: start the new one first)
 * ```
 */
import { pinToNode, requiredNodeTerms, targetNodeOf } from "../../lib/node-affinity.js";
import type { DaemonSet, DaemonSetStatus, Node, Pod, Toleration } from "../../lib/types.js";
import { scaledValue } from "../util/intorstr.js";
import { isPodAvailable, isPodReady, isTerminating } from "../util/pods.js";
import { eligibility } from "./eligibility.js";
import { daemonSetHash } from "./revisions.js";

/** The label that says which template a daemon pod came from (Kubernetes' controller-revision-hash). */
export const REVISION_HASH_LABEL = "controller-revision-hash";

export interface DaemonSetPlan {
  /** nodes to create a pod on */
  create: string[];
  delete: Pod[];
  status: DaemonSetStatus;
  /** the current template's hash (the label new pods carry) */
  hash: string;
}

/** Plan one sync. `pods` are the DaemonSet's pods (controlled by it). */
export function planDaemonSet(ds: DaemonSet, nodes: readonly Node[], pods: readonly Pod[], now: Date): DaemonSetPlan {
  const hash = daemonSetHash(ds);
  const podSpec = ds.spec.template.spec;
  const minReady = ds.spec.minReadySeconds ?? 0;
  const byNode = new Map<string, Pod[]>();
  for (const p of pods) {
    if (isTerminating(p)) continue;
    // a pod is for its node once bound, and before that for the node its affinity pins it to
    const n = targetNodeOf(p) ?? "";
    byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  const create: string[] = [];
  const del: Pod[] = [];
  const eligible = new Set<string>();
  let current = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let misscheduled = 0;
  const isNew = (p: Pod) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash;
  /** nodes with an old pod, for the rolling update */
  const old: { node: string; oldPod: Pod; newPod?: Pod }[] = [];
  let unavailable = 0;

  for (const node of nodes) {
    const name = node.metadata.name ?? "";
    const mine = byNode.get(name) ?? [];
    byNode.delete(name);
    const { shouldRun, shouldContinueRunning } = eligibility(node, podSpec.nodeSelector, podSpec.tolerations ?? [], requiredNodeTerms(podSpec));
    if (!shouldContinueRunning) {
      if (mine.length) misscheduled++;
      del.push(...mine);
      continue;
    }
    if (!shouldRun) {
      // An untolerated NoSchedule taint: no new pod, but a running one stays (Kubernetes counts it misscheduled).
      if (mine.length) misscheduled++;
      continue;
    }
    eligible.add(name);
    const failed = mine.filter((p) => p.status?.phase === "Failed");
    del.push(...failed);
    const live = mine.filter((p) => p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded");
    if (live.length === 0) {
      create.push(name);
      unavailable++;
      continue;
    }
    current++;
    const newest = live.find(isNew);
    const oldPods = live.filter((p) => !isNew(p));
    // More than one pod: keep one new (or the oldest old), delete the rest, as Kubernetes does.
    if (newest) {
      del.push(...live.filter((p) => p !== newest && isNew(p)));
      if (oldPods.length) old.push({ node: name, oldPod: oldPods[0]!, newPod: newest });
      del.push(...oldPods.slice(1));
    } else {
      del.push(...oldPods.slice(1));
      old.push({ node: name, oldPod: oldPods[0]! });
    }
    const serving = newest ?? oldPods[0]!;
    if (isPodReady(serving)) ready++;
    if (isPodAvailable(serving, minReady, now)) available++;
    else unavailable++;
    if (newest) updated++;
  }
  // Pods on nodes that no longer exist.
  for (const [, ps] of byNode) {
    if (ps.length) misscheduled++;
    del.push(...ps);
  }

  const strategy = ds.spec.updateStrategy ?? {};
  if ((strategy.type ?? "RollingUpdate") === "RollingUpdate") {
    const desired = eligible.size;
    const maxSurge = scaledValue(strategy.rollingUpdate?.maxSurge, desired, true, 0);
    const maxUnavailable = scaledValue(strategy.rollingUpdate?.maxUnavailable, desired, true, 1);
    if (maxSurge > 0) {
      // Surge: start the new pod next to the old one; the old one goes once the new one is available.
      let surging = old.filter((o) => o.newPod).length;
      for (const o of old) {
        if (o.newPod) {
          if (isPodAvailable(o.newPod, minReady, now)) del.push(o.oldPod);
        } else if (!isPodAvailable(o.oldPod, minReady, now)) {
          del.push(o.oldPod); // an unavailable old pod costs nothing to replace
        } else if (surging < maxSurge) {
          create.push(o.node);
          surging++;
        }
      }
    } else {
      let budget = maxUnavailable - unavailable;
      for (const o of old) {
        if (o.newPod) {
          del.push(o.oldPod);
          continue;
        }
        if (!isPodAvailable(o.oldPod, minReady, now)) del.push(o.oldPod);
        else if (budget > 0) {
          del.push(o.oldPod);
          budget--;
        }
      }
    }
  }

  const status: DaemonSetStatus = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: eligible.size,
    numberReady: ready,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: Math.max(0, eligible.size - available),
    observedGeneration: ds.metadata.generation ?? 0,
  };
  return { create, delete: [...new Set(del)], status, hash };
}

/**
 * The pod a DaemonSet runs on `node`: its template with the daemon tolerations and a required
 * node affinity to that node, so that the scheduler places it (as Kubernetes does since 1.12).
 */
export function podForNode(ds: DaemonSet, node: string, hash: string, tolerations: readonly Toleration[]): Pod {
  const t = ds.spec.template;
  const meta = t.metadata ?? {};
  const spec = structuredClone(t.spec);
  const have = new Set((spec.tolerations ?? []).map((x) => JSON.stringify(x)));
  spec.tolerations = [...(spec.tolerations ?? []), ...tolerations.filter((x) => !have.has(JSON.stringify(x)))];
  delete spec.nodeName;
  pinToNode(spec, node);
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(meta.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: ds.metadata.name ?? "", uid: ds.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }],
    },
    spec,
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  return pod;
}
