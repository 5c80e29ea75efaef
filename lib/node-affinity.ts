/**
 * Required node affinity (`requiredDuringSchedulingIgnoredDuringExecution`): whether a node
 * matches a list of NodeSelectorTerms (terms ORed, requirements within a term ANDed), as the
 * scheduler, the DaemonSet controller and the volume binder read it; and the affinity that pins a
 * DaemonSet pod to its node (Kubernetes' ReplaceDaemonSetPodNodeNameNodeAffinity).
 */
import type { NodeSelectorTerm, Pod, PodSpec } from "./types.js";

/** Does a node with `labels` and `name` match any of `terms`? (No terms: nothing matches.) */
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], labels: Readonly<Record<string, string>>, name: string): boolean {
  return terms.some((t) => termMatches(t, labels, name));
}

function termMatches(t: NodeSelectorTerm, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  if (!t.matchExpressions?.length && !t.matchFields?.length) return false;
  for (const e of t.matchExpressions ?? []) {
    const v = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case "In": if (v === undefined || !values.includes(v)) return false; break;
      case "NotIn": if (v !== undefined && values.includes(v)) return false; break;
      case "Exists": if (v === undefined) return false; break;
      case "DoesNotExist": if (v !== undefined) return false; break;
      case "Gt": if (v === undefined || !(Number(v) > Number(values[0]))) return false; break;
      case "Lt": if (v === undefined || !(Number(v) < Number(values[0]))) return false; break;
      default: return false;
    }
  }
  for (const f of t.matchFields ?? []) {
    if (f.key !== "metadata.name") return false;
    const inList = (f.values ?? []).includes(nodeName);
    if ((f.operator === "In") !== inList) return false;
  }
  return true;
}

/** A pod's required node affinity terms, or undefined when it has none. */
export function requiredNodeTerms(spec: PodSpec | undefined): NodeSelectorTerm[] | undefined {
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms?.length ? terms : undefined;
}

/** Pin a pod spec to `node` through required node affinity (the scheduler then binds it there). */
export function pinToNode(spec: PodSpec, node: string): void {
  const affinity = spec.affinity ?? {};
  spec.affinity = {
    ...affinity,
    nodeAffinity: {
      ...affinity.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }] },
    },
  };
}

/** The node a pod is for: its `spec.nodeName`, else the single node its affinity pins it to. */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = requiredNodeTerms(pod.spec);
  if (terms?.length !== 1) return undefined;
  const f = terms[0]!.matchFields;
  return f?.length === 1 && f[0]!.key === "metadata.name" && f[0]!.operator === "In" && f[0]!.values?.length === 1 ? f[0]!.values[0] : undefined;
}
