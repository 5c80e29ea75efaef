/** apimachinery's shared definitions: ObjectMeta, selectors, times, quantities, Status. */
import { bool, i32, i64, keyedList, list, obj, open, REF, ref, str, strList, strMap, time, type Definitions } from "./schema.js";

const M = "io.k8s.apimachinery.pkg.apis.meta.v1.";

export const metaDefinitions: Definitions = {
  [REF.objectMeta]: obj("ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.", {
    annotations: strMap("Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata."),
    creationTimestamp: time("CreationTimestamp is a timestamp representing the server time when this object was created."),
    deletionGracePeriodSeconds: i64("Number of seconds allowed for this object to gracefully terminate before it will be removed from the system."),
    deletionTimestamp: time("DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted."),
    finalizers: { ...strList("Must be empty before the object is deleted from the registry.", "set"), "x-kubernetes-patch-strategy": "merge" },
    generateName: str("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."),
    generation: i64("A sequence number representing a specific generation of the desired state."),
    labels: strMap("Map of string keys and values that can be used to organize and categorize (scope and select) objects."),
    managedFields: list(ref(`${M}ManagedFieldsEntry`), "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow."),
    name: str("Name must be unique within a namespace."),
    namespace: str("Namespace defines the space within which each name must be unique."),
    ownerReferences: keyedList(`${M}OwnerReference`, ["uid"], "List of objects depended by this object."),
    resourceVersion: str("An opaque value that represents the internal version of this object."),
    selfLink: str("Deprecated: selfLink is a legacy read-only field that is no longer populated by the system."),
    uid: str("UID is the unique in time and space value for this object."),
  }),
  [`${M}OwnerReference`]: {
    ...obj("OwnerReference contains enough information to let you identify an owning object.", {
      apiVersion: str("API version of the referent."),
      blockOwnerDeletion: bool("If true, AND if the owner has the \"foregroundDeletion\" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed."),
      controller: bool("If true, this reference points to the managing controller."),
      kind: str("Kind of the referent."),
      name: str("Name of the referent."),
      uid: str("UID of the referent."),
    }, ["apiVersion", "kind", "name", "uid"]),
    "x-kubernetes-map-type": "atomic",
  },
  [`${M}ManagedFieldsEntry`]: obj("ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.", {
    apiVersion: str("APIVersion defines the version of this resource that this field set applies to."),
    fieldsType: str("FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: \"FieldsV1\""),
    fieldsV1: ref(`${M}FieldsV1`, "FieldsV1 holds the first JSON version format as described in the \"FieldsV1\" type."),
    manager: str("Manager is an identifier of the workflow managing these fields."),
    operation: str("Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'."),
    subresource: str("Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource."),
    time: time("Time is the timestamp of when the ManagedFields entry was added."),
  }),
  [`${M}FieldsV1`]: open("FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format."),
  [REF.labelSelector]: {
    ...obj("A label selector is a label query over a set of resources. An empty label selector matches all objects. A null label selector matches no objects.", {
      matchExpressions: list(ref(`${M}LabelSelectorRequirement`), "matchExpressions is a list of label selector requirements. The requirements are ANDed."),
      matchLabels: strMap("matchLabels is a map of {key,value} pairs."),
    }),
    "x-kubernetes-map-type": "atomic",
  },
  [`${M}LabelSelectorRequirement`]: obj("A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.", {
    key: str("key is the label key that the selector applies to."),
    operator: str("operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist."),
    values: strList("values is an array of string values."),
  }, ["key", "operator"]),
  [REF.time]: { type: "string", format: "date-time", description: "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON." },
  [REF.microTime]: { type: "string", format: "date-time", description: "MicroTime is version of Time with microsecond level precision." },
  [REF.condition]: obj("Condition contains details for one aspect of the current state of this API Resource.", {
    lastTransitionTime: time("lastTransitionTime is the last time the condition transitioned from one status to another."),
    message: str("message is a human readable message indicating details about the transition."),
    observedGeneration: i64("observedGeneration represents the .metadata.generation that the condition was set based upon."),
    reason: str("reason contains a programmatic identifier indicating the reason for the condition's last transition."),
    status: str("status of the condition, one of True, False, Unknown."),
    type: str("type of condition in CamelCase or in foo.example.com/CamelCase."),
  }, ["type", "status", "lastTransitionTime", "reason", "message"]),
  [REF.listMeta]: obj("ListMeta describes metadata that synthetic resources must have, including lists and various status objects.", {
    continue: str("continue may be set if the user set a limit on the number of items returned."),
    remainingItemCount: i64("remainingItemCount is the number of subsequent items in the list which are not included in this list response."),
    resourceVersion: str("String that identifies the server's internal version of this object."),
    selfLink: str("Deprecated: selfLink is a legacy read-only field that is no longer populated by the system."),
  }),
  [REF.status]: obj("Status is a return value for calls that don't return other objects.", {
    apiVersion: str(""),
    code: i32("Suggested HTTP return code for this status, 0 if not set."),
    details: open("Extended data associated with the reason."),
    kind: str(""),
    message: str("A human-readable description of the status of this operation."),
    metadata: ref(REF.listMeta, "Standard list metadata."),
    reason: str("A machine-readable description of why this operation is in the \"Failure\" status."),
    status: str("Status of the operation. One of: \"Success\" or \"Failure\"."),
  }),
  [REF.deleteOptions]: obj("DeleteOptions may be provided when deleting an API object.", {
    apiVersion: str(""),
    dryRun: strList("When present, indicates that modifications should not be persisted."),
    gracePeriodSeconds: i64("The duration in seconds before the object should be deleted."),
    kind: str(""),
    orphanDependents: bool("Deprecated: please use the PropagationPolicy."),
    preconditions: obj("Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.", {
      resourceVersion: str("Specifies the target ResourceVersion"),
      uid: str("Specifies the target UID."),
    }),
    propagationPolicy: str("Whether and how garbage collection will be performed: Orphan, Background or Foreground."),
  }),
  [REF.patch]: { type: "object", description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body." },
  [REF.quantity]: { type: "string", description: "Quantity is a fixed-point representation of a number, e.g. 100m, 1Gi, 2.", "x-kubernetes-int-or-string": true },
  [REF.intOrString]: { type: "string", format: "int-or-string", description: "IntOrString is a type that can hold an int32 or a string.", "x-kubernetes-int-or-string": true },
  [REF.rawExtension]: open("RawExtension is used to hold extensions in external versions."),
};
