/**
 * The API server's memory of the kubelets' metrics reports: the newest report of each node, kept
 * for three of its periods (a node that stops reporting drops out, as metrics-server forgets a
 * node it cannot scrape). Nothing is written to the store: metrics are a view, not state.
 */
import { badRequest } from "../../lib/errors.js";
import type { ContainerMetrics, NodeMetricsReport, PodUsageReport, ResourceUsage } from "../../lib/metrics.js";
import { isQuantity } from "../../lib/quantity.js";

/** Longest period a report may claim (it decides how long the report is kept). */
const MAX_PERIOD_SECONDS = 3600;
/** Most pods one node may report (Kubernetes' default max-pods is 110). */
const MAX_PODS = 5000;
const MAX_CONTAINERS = 100;

/** Newest report per node, with its expiry. */
export class NodeMetricsCache {
  private readonly reports = new Map<string, { report: NodeMetricsReport; expiresAt: number }>();

  /** Keep `report` (it replaces the node's previous one) for three of its periods. */
  put(report: NodeMetricsReport, nowMs: number): void {
    this.reports.set(report.node, { report, expiresAt: nowMs + 3 * report.periodSeconds * 1000 });
  }

  /** The node's report, unless it expired. */
  get(node: string, nowMs: number): NodeMetricsReport | undefined {
    const e = this.reports.get(node);
    if (!e) return undefined;
    if (e.expiresAt <= nowMs) {
      this.reports.delete(node);
      return undefined;
    }
    return e.report;
  }

  /** Every fresh report. */
  all(nowMs: number): NodeMetricsReport[] {
    const out: NodeMetricsReport[] = [];
    for (const node of [...this.reports.keys()]) {
      const r = this.get(node, nowMs);
      if (r) out.push(r);
    }
    return out;
  }
}

/**
 * Check a report body sent for `node` and return it typed; a 400 naming the first bad field
 * otherwise. Only what the metrics views read is kept (unknown fields are dropped).
 */
export function parseReport(body: unknown, node: string): NodeMetricsReport {
  const r = record(body, "the report");
  if (r.kind !== "NodeMetricsReport") throw badRequest(`kind must be "NodeMetricsReport"`);
  if (r.node !== node) throw badRequest(`node must be "${node}", the node named in the path`);
  const period = r.periodSeconds;
  if (typeof period !== "number" || !Number.isFinite(period) || period <= 0 || period > MAX_PERIOD_SECONDS) {
    throw badRequest(`periodSeconds must be a number of seconds between 0 and ${MAX_PERIOD_SECONDS}`);
  }
  const pods = r.pods;
  if (!Array.isArray(pods) || pods.length > MAX_PODS) throw badRequest(`pods must be a list of at most ${MAX_PODS} entries`);
  return {
    apiVersion: "kctl.io/v1",
    kind: "NodeMetricsReport",
    node,
    periodSeconds: period,
    timestamp: timestamp(r.timestamp, "timestamp"),
    window: str(r.window, "window"),
    usage: usage(r.usage, "usage"),
    pods: pods.map((p, i) => podReport(p, `pods[${i}]`)),
  };
}

function podReport(v: unknown, at: string): PodUsageReport {
  const p = record(v, at);
  const containers = p.containers;
  if (!Array.isArray(containers) || containers.length > MAX_CONTAINERS) throw badRequest(`${at}.containers must be a list of at most ${MAX_CONTAINERS} entries`);
  return {
    namespace: str(p.namespace, `${at}.namespace`),
    name: str(p.name, `${at}.name`),
    uid: str(p.uid, `${at}.uid`),
    timestamp: timestamp(p.timestamp, `${at}.timestamp`),
    window: str(p.window, `${at}.window`),
    containers: containers.map((c, i): ContainerMetrics => {
      const cr = record(c, `${at}.containers[${i}]`);
      return { name: str(cr.name, `${at}.containers[${i}].name`), usage: usage(cr.usage, `${at}.containers[${i}].usage`) };
    }),
  };
}

function usage(v: unknown, at: string): ResourceUsage {
  const u = record(v, at);
  const q = (x: unknown, f: string): string => {
    if (typeof x !== "string" || !isQuantity(x)) throw badRequest(`${at}.${f} must be a quantity`);
    return x;
  };
  return { cpu: q(u.cpu, "cpu"), memory: q(u.memory, "memory") };
}

function record(v: unknown, at: string): Record<string, unknown> {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw badRequest(`${at} must be an object`);
  return v as Record<string, unknown>;
}

function str(v: unknown, at: string): string {
  if (typeof v !== "string" || v === "" || v.length > 253) throw badRequest(`${at} must be a non-empty string`);
  return v;
}

function timestamp(v: unknown, at: string): string {
  const s = str(v, at);
  if (!Number.isFinite(Date.parse(s))) throw badRequest(`${at} must be an RFC 3339 time`);
  return s;
}
