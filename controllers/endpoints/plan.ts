/**
 * The Endpoints controller's pure decision: the Endpoints object a Service with a selector should
 * have, from the pods of its namespace (Kubernetes' endpoints controller + RepackSubsets).
 */
import { selectorFromSet } from "../../lib/selector.js";
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service, ServicePort } from "../../lib/types.js";
import { isPodReady, isTerminating } from "../util/pods.js";
import { canonicalJson } from "../../lib/pod-template-hash.js";

/** A Service with no selector (or an empty one) has user-managed Endpoints: left alone. */
export function hasSelector(svc: Service): boolean {
  return Boolean(svc.spec.selector && Object.keys(svc.spec.selector).length > 0);
}

/** Whether a pod belongs in Endpoints at all (Kubernetes' ShouldPodBeInEndpoints, minus terminating ones). */
function eligible(pod: Pod): boolean {
  if (!pod.status?.podIP) return false;
  if (isTerminating(pod)) return false;
  const phase = pod.status.phase;
  const restart = pod.spec.restartPolicy ?? "Always";
  if (restart === "Never") return phase !== "Failed" && phase !== "Succeeded";
  if (restart === "OnFailure") return phase !== "Succeeded";
  return true;
}

/**
 * The container port a Service port reaches on `pod`: a number, or a named containerPort looked up
 * in the pod (same protocol). undefined when the name is not found: that pod is skipped for the port.
 */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  const proto = sp.protocol ?? "TCP";
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === proto) return p.containerPort;
  }
  return undefined;
}

/** A pod's address; its hostname only when its subdomain is this service (Kubernetes' per-pod DNS rule). */
function address(pod: Pod, svc: Service): EndpointAddress {
  const a: EndpointAddress = {
    ip: pod.status?.podIP ?? "",
    targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name ?? "", uid: pod.metadata.uid },
  };
  if (pod.spec.nodeName) a.nodeName = pod.spec.nodeName;
  if (pod.spec.hostname && pod.spec.subdomain === svc.metadata.name) a.hostname = pod.spec.hostname;
  return a;
}

/**
 * The subsets for `svc`: each distinct set of resolved ports gets one subset; ready pods go to
 * `addresses`, not-ready to `notReadyAddresses` (or all ready with publishNotReadyAddresses).
 * Output is sorted so that equal inputs give byte-equal objects (no spurious writes).
 */
export function planEndpointSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const selector = selectorFromSet(svc.spec.selector);
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !selector.matches(pod.metadata.labels) || !eligible(pod)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      const ep: EndpointPort = { port, protocol: sp.protocol ?? "TCP" };
      if (sp.name) ep.name = sp.name;
      ports.push(ep);
    }
    // A pod that resolves none of the Service's ports serves nothing (a Service with no ports keeps it).
    if ((svc.spec.ports?.length ?? 0) > 0 && ports.length === 0) continue;
    ports.sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "") || a.port - b.port);
    const key = canonicalJson(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    if (isPodReady(pod) || svc.spec.publishNotReadyAddresses) g.ready.push(address(pod, svc));
    else g.notReady.push(address(pod, svc));
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip, "en", { numeric: true }) || (a.targetRef?.name ?? "").localeCompare(b.targetRef?.name ?? "");
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => {
      const s: EndpointSubset = {};
      if (g.ready.length) s.addresses = g.ready.sort(byIp);
      if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byIp);
      if (g.ports.length) s.ports = g.ports;
      return s;
    });
}

/** What to do about one Service's Endpoints. */
export type EndpointsAction =
  | { type: "none" }
  | { type: "create"; endpoints: Endpoints }
  | { type: "update"; endpoints: Endpoints }
  | { type: "delete"; name: string };

/**
 * Plan the Endpoints for a Service (undefined when the Service is gone) given the current
 * Endpoints object (undefined when absent). Labels follow the Service's.
 */
export function planEndpoints(svc: Service | undefined, pods: readonly Pod[], current: Endpoints | undefined): EndpointsAction {
  if (!svc) return current ? { type: "delete", name: current.metadata.name ?? "" } : { type: "none" };
  if (!hasSelector(svc) || isTerminating(svc)) return { type: "none" };
  const subsets = planEndpointSubsets(svc, pods);
  const labels = { ...(svc.metadata.labels ?? {}) };
  if (current) {
    if (canonicalJson(current.subsets ?? []) === canonicalJson(subsets) && canonicalJson(current.metadata.labels ?? {}) === canonicalJson(labels)) return { type: "none" };
    return { type: "update", endpoints: { ...current, metadata: { ...current.metadata, labels }, subsets } };
  }
  return {
    type: "create",
    endpoints: { apiVersion: "v1", kind: "Endpoints", metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace, labels }, subsets },
  };
}
