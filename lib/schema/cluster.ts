/** storage.k8s.io/v1 StorageClass and coordination.k8s.io/v1 Lease. */
import { C } from "./core-pod.js";
import { atomicList, bool, i32, kind, obj, oneOf, REF, ref, str, strList, strMap, type Definitions } from "./schema.js";

export const clusterDefinitions: Definitions = {
  "io.k8s.api.storage.v1.StorageClass": {
    ...kind({ group: "storage.k8s.io", version: "v1", kind: "StorageClass" }, "StorageClass describes the parameters for a class of storage for which PersistentVolumes can be dynamically provisioned.", {
      allowVolumeExpansion: bool("allowVolumeExpansion shows whether the storage class allow volume expand."),
      allowedTopologies: atomicList(`${C}TopologySelectorTerm`, "allowedTopologies restrict the node topologies where volumes can be dynamically provisioned."),
      mountOptions: strList("mountOptions controls the mountOptions for dynamically provisioned PersistentVolumes of this storage class."),
      parameters: strMap("parameters holds the parameters for the provisioner that should create volumes of this storage class."),
      provisioner: str("provisioner indicates the type of the provisioner."),
      reclaimPolicy: oneOf(["Delete", "Recycle", "Retain"], "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
      volumeBindingMode: oneOf(["Immediate", "WaitForFirstConsumer"], "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used."),
    }),
    required: ["provisioner"],
  },
  [`${C}TopologySelectorTerm`]: {
    ...obj("A topology selector term represents the result of label queries.", {
      matchLabelExpressions: atomicList(`${C}TopologySelectorLabelRequirement`, "A list of topology selector requirements by labels."),
    }),
    "x-kubernetes-map-type": "atomic",
  },
  [`${C}TopologySelectorLabelRequirement`]: obj("A topology selector requirement is a selector that matches given label.", {
    key: str("The label key that the selector applies to."),
    values: strList("An array of string values. One value must match the label to be selected."),
  }, ["key", "values"]),
  "io.k8s.api.coordination.v1.Lease": kind({ group: "coordination.k8s.io", version: "v1", kind: "Lease" }, "Lease defines a lease concept.", {
    spec: obj("LeaseSpec is a specification of a Lease.", {
      acquireTime: ref(REF.microTime, "acquireTime is a time when the current lease was acquired."),
      holderIdentity: str("holderIdentity contains the identity of the holder of a current lease."),
      leaseDurationSeconds: i32("leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it."),
      leaseTransitions: i32("leaseTransitions is the number of transitions of a lease between holders."),
      preferredHolder: str("PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up."),
      renewTime: ref(REF.microTime, "renewTime is a time when the current holder of a lease has last updated the lease."),
      strategy: str("Strategy indicates the strategy for picking the leader for coordinated leader election."),
    }),
  }),
};
