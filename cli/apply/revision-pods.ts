/**
 * The pods of a workload's newest revision: what `kctl rollout status` (and `kctl apply --wait`)
 * look at when they say why a rollout waits. A pod of an older revision (still running, or stuck
 * in ImagePullBackOff from an earlier bad rollout) says nothing about the rollout in progress.
 *
 *   Deployment   pod-template-hash = the hash of spec.template (with status.collisionCount),
 *                the label the controller names the new ReplicaSet and its pods by (a
 *                template-equal ReplicaSet made before a hash collision keeps its old hash:
 *                then no pod matches and the line goes without a suffix, never a wrong one)
 *   StatefulSet  controller-revision-hash = status.updateRevision
 *   others       every pod of the selector (a DaemonSet's status names no revision)
 */
import { CONTROLLER_REVISION_HASH_LABEL } from "../../lib/controller-revisions.js";
import { computeTemplateHash, POD_TEMPLATE_HASH_LABEL } from "../../lib/pod-template-hash.js";
import type { Deployment, KObject, Pod, StatefulSet } from "../../lib/types.js";

/** The pods (of the workload's selector) that belong to its newest revision. */
export function newRevisionPods(workload: KObject, pods: readonly Pod[]): Pod[] {
  const only = (label: string, value: string | undefined): Pod[] => (value ? pods.filter((p) => p.metadata.labels?.[label] === value) : [...pods]);
  switch (workload.kind) {
    case "Deployment": {
      const d = workload as Deployment;
      return only(POD_TEMPLATE_HASH_LABEL, computeTemplateHash(d.spec.template, d.status?.collisionCount));
    }
    case "StatefulSet":
      return only(CONTROLLER_REVISION_HASH_LABEL, (workload as StatefulSet).status?.updateRevision);
    default:
      return [...pods];
  }
}
