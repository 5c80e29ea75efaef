/**
 * The ReplicationController controller: Kubernetes runs ReplicationControllers through the
 * ReplicaSet controller's code with a conversion; so does kctl. An RC's equality selector (a map)
 * becomes a ReplicaSet's `matchLabels`; pods get an owner reference to the RC (v1).
 */
import type { KObject, ReplicaSet, ReplicationController } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { newReplicaSetController, type ReplicaSetFlavour } from "../replicaset/controller.js";
import type { Controller } from "../runner.js";

export const REPLICATION_CONTROLLER = "replication-controller";

/** An RC seen as a ReplicaSet (the ReplicaSet plan reads only selector, replicas, template, minReadySeconds). */
export function rcAsReplicaSet(obj: KObject): ReplicaSet {
  const rc = obj as ReplicationController;
  return {
    ...rc,
    kind: "ReplicaSet",
    spec: {
      replicas: rc.spec?.replicas,
      minReadySeconds: rc.spec?.minReadySeconds,
      selector: { matchLabels: { ...(rc.spec?.selector ?? {}) } },
      template: rc.spec?.template ?? { spec: { containers: [] } },
    },
  } as ReplicaSet;
}

const RC_FLAVOUR: ReplicaSetFlavour = { kind: "ReplicationController", apiVersion: "v1", controllerName: REPLICATION_CONTROLLER, asReplicaSet: rcAsReplicaSet };

/** Build the ReplicationController controller. */
export function newReplicationControllerController(ctx: ControllerContext): Controller {
  return newReplicaSetController(ctx, RC_FLAVOUR);
}
