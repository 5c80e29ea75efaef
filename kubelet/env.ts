/**
 * Container environment: literal values, ConfigMap and Secret keys read through the API, and
 * the downward API field refs the kubelet knows (metadata.name/namespace/uid, labels and
 * annotations by key, spec.nodeName, spec.serviceAccountName, status.podIP, status.hostIP).
 */
import type { ConfigMap, Container, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from "../lib/types.js";

/** Reads ConfigMaps and Secrets (undefined when missing). */
export interface ObjectSource {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  /** claims and volumes, for persistentVolumeClaim volumes (optional: none without) */
  claim?(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  volume?(name: string): Promise<PersistentVolume | undefined>;
  /** the service variables (`WEB_SERVICE_HOST`...) a container of `pod` starts with (optional) */
  serviceEnv?(pod: Pod): ReadonlyMap<string, string>;
}

/** A container's config refers to something missing (Kubernetes: CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerConfigError";
  }
}

/** Facts the field refs read. */
export interface PodRuntimeFacts {
  podIP: string;
  hostIP: string;
  nodeName: string;
}

/** Resolve a downward API field path. */
export function fieldRefValue(pod: Pod, path: string, facts: PodRuntimeFacts): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) {
    const map = m[1] === "labels" ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[m[2]!] ?? "";
  }
  switch (path) {
    case "metadata.name":
      return pod.metadata.name ?? "";
    case "metadata.namespace":
      return pod.metadata.namespace ?? "default";
    case "metadata.uid":
      return pod.metadata.uid ?? "";
    case "spec.nodeName":
      return pod.spec.nodeName ?? facts.nodeName;
    case "spec.serviceAccountName":
      return String((pod.spec as { serviceAccountName?: string }).serviceAccountName ?? "default");
    case "status.podIP":
      return facts.podIP;
    case "status.hostIP":
      return facts.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef "${path}"`);
  }
}

/**
 * Does the container's environment read the pod IP? Such a container can only be created once
 * its sandbox has started and has an address.
 */
export function needsPodIP(container: Container): boolean {
  return (container.env ?? []).some((e) => {
    const path = e.valueFrom?.fieldRef?.fieldPath;
    return path === "status.podIP" || path === "status.podIPs";
  });
}

/** Expand `$(VAR)` references to earlier variables, as Kubernetes does (`$$` escapes). */
export function expandVars(value: string, vars: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (all === "$$") return "$";
    return name !== undefined && vars.has(name) ? vars.get(name)! : all;
  });
}

/** The container's environment as Docker's `NAME=value` list. */
export async function resolveEnv(pod: Pod, container: Container, facts: PodRuntimeFacts, source: ObjectSource): Promise<string[]> {
  const ns = pod.metadata.namespace ?? "default";
  // Service variables come first: the container's own env overrides them and can refer to them.
  const vars = new Map<string, string>(source.serviceEnv?.(pod) ?? []);
  for (const e of container.env ?? []) {
    let v: string | undefined;
    if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const cm = await source.configMap(ns, ref.name);
      v = cm?.data?.[ref.key] ?? (cm?.binaryData?.[ref.key] !== undefined ? Buffer.from(cm.binaryData[ref.key]!, "base64").toString("utf8") : undefined);
      if (v === undefined && !ref.optional) {
        throw new ContainerConfigError(cm ? `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}` : `configmap "${ref.name}" not found`);
      }
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const s = await source.secret(ns, ref.name);
      const b64 = s?.data?.[ref.key];
      v = b64 !== undefined ? Buffer.from(b64, "base64").toString("utf8") : s?.stringData?.[ref.key];
      if (v === undefined && !ref.optional) {
        throw new ContainerConfigError(s ? `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}` : `secret "${ref.name}" not found`);
      }
    } else if (e.valueFrom?.fieldRef) {
      v = fieldRefValue(pod, e.valueFrom.fieldRef.fieldPath, facts);
    } else {
      v = expandVars(e.value ?? "", vars);
    }
    if (v !== undefined) vars.set(e.name, v);
  }
  return [...vars].map(([k, v]) => `${k}=${v}`);
}
