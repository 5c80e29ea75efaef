/**
 * The resource registry: every kind the API serves, with its group/version, plural, short names,
 * scope and subresources. The API server routes, discovery, the client's paths and the CLI's
 * name resolution all read this one table.
 */

export interface ResourceInfo {
  kind: string;
  /** lower-case plural used in URLs, e.g. "deployments" */
  plural: string;
  singular: string;
  /** "" for the core group */
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  subresources: string[];
  /** extra group/versions accepted on input as aliases of this one (old manifests) */
  aliasVersions?: string[];
  /** the verbs served, when not all of RESOURCE_VERBS (discovery lists them) */
  verbs?: readonly string[];
  /** discovery categories (`all`: what `kubectl get all` shows) */
  categories?: readonly string[];
}

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export const RESOURCES: readonly ResourceInfo[] = [
  {
    kind: "Namespace", plural: "namespaces", singular: "namespace", group: "", version: "v1", namespaced: false, shortNames: ["ns"], subresources: ["status", "finalize"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  },
  { kind: "Node", plural: "nodes", singular: "node", group: "", version: "v1", namespaced: false, shortNames: ["no"], subresources: ["status"] },
  { kind: "Pod", plural: "pods", singular: "pod", group: "", version: "v1", namespaced: true, shortNames: ["po"], subresources: ["status", "binding", "log", "exec"], categories: ["all"] },
  { kind: "Service", plural: "services", singular: "service", group: "", version: "v1", namespaced: true, shortNames: ["svc"], subresources: ["status"], categories: ["all"] },
  { kind: "Endpoints", plural: "endpoints", singular: "endpoints", group: "", version: "v1", namespaced: true, shortNames: ["ep"], subresources: [] },
  { kind: "Event", plural: "events", singular: "event", group: "", version: "v1", namespaced: true, shortNames: ["ev"], subresources: [] },
  { kind: "ConfigMap", plural: "configmaps", singular: "configmap", group: "", version: "v1", namespaced: true, shortNames: ["cm"], subresources: [] },
  { kind: "Secret", plural: "secrets", singular: "secret", group: "", version: "v1", namespaced: true, shortNames: [], subresources: [] },
  {
    kind: "ReplicaSet", plural: "replicasets", singular: "replicaset", group: "apps", version: "v1", namespaced: true,
    shortNames: ["rs"], subresources: ["status", "scale"], aliasVersions: ["extensions/v1beta1", "apps/v1beta2"], categories: ["all"],
  },
  {
    kind: "Deployment", plural: "deployments", singular: "deployment", group: "apps", version: "v1", namespaced: true,
    shortNames: ["deploy"], subresources: ["status", "scale"], aliasVersions: ["extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"], categories: ["all"],
  },
  {
    kind: "StatefulSet", plural: "statefulsets", singular: "statefulset", group: "apps", version: "v1", namespaced: true,
    shortNames: ["sts"], subresources: ["status", "scale"], aliasVersions: ["apps/v1beta1", "apps/v1beta2"], categories: ["all"],
  },
  {
    kind: "DaemonSet", plural: "daemonsets", singular: "daemonset", group: "apps", version: "v1", namespaced: true,
    shortNames: ["ds"], subresources: ["status"], aliasVersions: ["extensions/v1beta1", "apps/v1beta2"], categories: ["all"],
  },
  {
    kind: "Job", plural: "jobs", singular: "job", group: "batch", version: "v1", namespaced: true, shortNames: [], subresources: ["status"], categories: ["all"],
  },
  {
    kind: "CronJob", plural: "cronjobs", singular: "cronjob", group: "batch", version: "v1", namespaced: true,
    shortNames: ["cj"], subresources: ["status"], aliasVersions: ["batch/v1beta1"], categories: ["all"],
  },
  {
    kind: "ReplicationController", plural: "replicationcontrollers", singular: "replicationcontroller", group: "", version: "v1", namespaced: true,
    shortNames: ["rc"], subresources: ["status", "scale"], categories: ["all"],
  },
  { kind: "ControllerRevision", plural: "controllerrevisions", singular: "controllerrevision", group: "apps", version: "v1", namespaced: true, shortNames: [], subresources: [] },
  { kind: "PersistentVolume", plural: "persistentvolumes", singular: "persistentvolume", group: "", version: "v1", namespaced: false, shortNames: ["pv"], subresources: ["status"] },
  {
    kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", singular: "persistentvolumeclaim", group: "", version: "v1", namespaced: true,
    shortNames: ["pvc"], subresources: ["status"],
  },
  {
    kind: "StorageClass", plural: "storageclasses", singular: "storageclass", group: "storage.k8s.io", version: "v1", namespaced: false,
    shortNames: ["sc"], subresources: [], aliasVersions: ["storage.k8s.io/v1beta1"],
  },
  { kind: "Lease", plural: "leases", singular: "lease", group: "coordination.k8s.io", version: "v1", namespaced: true, shortNames: [], subresources: [] },
];

/** The verbs every resource supports (discovery lists them). */
export const RESOURCE_VERBS: readonly string[] = VERBS;

/** "apps/v1" or "v1" */
export function groupVersion(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Lookup by Kind name (exact, e.g. "Deployment"). */
export function resourceForKind(kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}

/** Lookup by URL group + plural. */
export function resourceForPath(group: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.plural === plural);
}

/**
 * Resolve what a user typed (`po`, `pods`, `pod`, `Pod`, `deployments.apps`, `deploy`) to a
 * resource, case-insensitively, as kubectl does.
 */
export function resolveResource(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf(".");
  const base = dot >= 0 ? lower.slice(0, dot) : lower;
  const group = dot >= 0 ? lower.slice(dot + 1) : undefined;
  return RESOURCES.find(
    (r) =>
      (group === undefined || r.group === group) &&
      (r.plural === base || r.singular === base || r.kind.toLowerCase() === base || r.shortNames.includes(base)),
  );
}

/**
 * Is `apiVersion` acceptable for a resource of this kind (its own group/version or an alias)?
 */
export function acceptsApiVersion(r: ResourceInfo, apiVersion: string): boolean {
  return apiVersion === groupVersion(r) || (r.aliasVersions ?? []).includes(apiVersion);
}

/** kubectl's `kind.group` display name: `deployment.apps`, `pod`, `lease.coordination.k8s.io`. */
export function displayType(r: ResourceInfo): string {
  return r.group ? `${r.singular}.${r.group}` : r.singular;
}

/** Collection path: /api/v1/namespaces/NS/pods, /apis/apps/v1/deployments (all namespaces). */
export function collectionPath(r: ResourceInfo, namespace?: string): string {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) return `${prefix}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`;
  return `${prefix}/${r.plural}`;
}

/** Object path, with an optional subresource. */
export function objectPath(r: ResourceInfo, namespace: string | undefined, name: string, subresource?: string): string {
  const base = `${collectionPath(r, r.namespaced ? namespace ?? "default" : undefined)}/${encodeURIComponent(name)}`;
  return subresource ? `${base}/${subresource}` : base;
}

/** Suggest the closest kind name for a typo (`Deploymnet` -> `Deployment`), or undefined. */
export function suggestKind(kind: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const r of RESOURCES) {
    const d = editDistance(kind.toLowerCase(), r.kind.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = r.kind;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(kind.length / 3)) ? best : undefined;
}

/** Damerau-Levenshtein (optimal string alignment) distance: a transposition costs 1. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
