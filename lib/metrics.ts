/**
 * Resource metrics: the `metrics.k8s.io/v1beta1` objects the API server serves (as
 * metrics-server does) and the report each kubelet sends to fill them.
 *
 *   kubelet ── PUT /apis/kctl.io/v1/nodemetricsreports/NODE (NodeMetricsReport, every period) ──► API server
 *   kubectl top / kctl top ── GET /apis/metrics.k8s.io/v1beta1/{nodes,namespaces/NS/pods}[/NAME] ──► API server
 */
import type { KObject, ObjectMeta } from "./types.js";

export const METRICS_GROUP = "metrics.k8s.io";
export const METRICS_VERSION = "v1beta1";
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;
/** Where kubelets send their reports (kctl's own group; not a Kubernetes API). */
export const METRICS_REPORTS_PATH = "/apis/kctl.io/v1/nodemetricsreports";

/** CPU in cores (metrics-server prints nanocores, `12345678n`) and memory (working set) in bytes. */
export interface ResourceUsage {
  cpu: string;
  memory: string;
}

export interface ContainerMetrics {
  name: string;
  usage: ResourceUsage;
}

/** `metrics.k8s.io/v1beta1` NodeMetrics. */
export interface NodeMetrics extends KObject {
  kind: "NodeMetrics";
  metadata: ObjectMeta;
  /** when the newest sample was taken */
  timestamp: string;
  /** the interval the CPU rate was measured over, as a Go duration (`15.012s`) */
  window: string;
  usage: ResourceUsage;
}

/** `metrics.k8s.io/v1beta1` PodMetrics. */
export interface PodMetrics extends KObject {
  kind: "PodMetrics";
  metadata: ObjectMeta;
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

/** One pod's containers, as a kubelet measured them. */
export interface PodUsageReport {
  namespace: string;
  name: string;
  /** the pod's UID: the API server drops the entry when the pod it names is gone or replaced */
  uid: string;
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

/** What a kubelet sends every period: its node's usage and its pods'. */
export interface NodeMetricsReport {
  apiVersion: "kctl.io/v1";
  kind: "NodeMetricsReport";
  node: string;
  /** how often the kubelet reports; the API server forgets a report after three periods */
  periodSeconds: number;
  timestamp: string;
  window: string;
  usage: ResourceUsage;
  pods: PodUsageReport[];
}

/**
 * A duration as Go's time.Duration prints it (metrics-server's `window` field), to the
 * millisecond: `0s`, `950ms`, `15s`, `15.012s`, `1m0.5s`, `1h2m3s`.
 */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return "0s";
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const rest = total % 60_000;
  const secs = `${Math.floor(rest / 1000)}${rest % 1000 ? `.${String(rest % 1000).padStart(3, "0").replace(/0+$/, "")}` : ""}s`;
  if (h > 0) return `${h}h${m}m${secs}`;
  if (m > 0) return `${m}m${secs}`;
  return secs;
}
