/** The Secrets or ConfigMaps a pod uses: volumes (also projected), env, envFrom, image pull secrets. */
import type { Pod } from "./types.js";

interface Refs {
  volumes?: { secret?: { secretName?: string }; configMap?: { name?: string }; projected?: { sources?: { secret?: { name?: string }; configMap?: { name?: string } }[] } }[];
  imagePullSecrets?: { name?: string }[];
  containers?: ContainerRefs[];
  initContainers?: ContainerRefs[];
}
interface ContainerRefs {
  env?: { valueFrom?: { secretKeyRef?: { name?: string }; configMapKeyRef?: { name?: string } } }[];
  envFrom?: { secretRef?: { name?: string }; configMapRef?: { name?: string } }[];
}

/** Names of the objects of `kind` that `pod` references. */
export function podReferences(pod: Pod, kind: "secret" | "configMap"): Set<string> {
  const spec = (pod.spec ?? {}) as Refs;
  const out = new Set<string>();
  const add = (n: string | undefined): void => {
    if (n) out.add(n);
  };
  for (const v of spec.volumes ?? []) {
    add(kind === "secret" ? v.secret?.secretName : v.configMap?.name);
    for (const s of v.projected?.sources ?? []) add(kind === "secret" ? s.secret?.name : s.configMap?.name);
  }
  if (kind === "secret") for (const s of spec.imagePullSecrets ?? []) add(s.name);
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) add(kind === "secret" ? e.valueFrom?.secretKeyRef?.name : e.valueFrom?.configMapKeyRef?.name);
    for (const e of c.envFrom ?? []) add(kind === "secret" ? e.secretRef?.name : e.configMapRef?.name);
  }
  return out;
}
