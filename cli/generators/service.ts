/**
 * The Services kubectl generates: `create service clusterip|nodeport|loadbalancer NAME
 * --tcp=PORT[:TARGET]` (label and selector `app: NAME`, ports named `PORT-TARGET`) and
 * `expose TYPE NAME` (selector, ports and labels read from the exposed object).
 */
import type { Container, IntOrString, Labels, Pod, Service, ServicePort, ServiceSpec } from "../../lib/types.js";
import { UserError } from "../errors-output.js";
import { parseLabelSpec } from "./pod.js";

const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A port number 1-65535, or kubectl's message. */
export function parsePortNumber(s: string, what: string): number {
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UserError(`invalid ${what} "${s}": must be a number between 1 and 65535`);
  return n;
}

/** A target port: a number, or a port name (an IANA_SVC_NAME: at most 15 characters, a letter). */
export function parseTargetPort(s: string): IntOrString {
  if (/^\d+$/.test(s)) return parsePortNumber(s, "target port");
  if (s.length > 15 || !PORT_NAME.test(s) || !/[a-z]/.test(s) || s.includes("--")) {
    throw new UserError(`invalid target port "${s}": must be a port number or a port name (at most 15 lower-case letters, digits and '-', with a letter)`);
  }
  return s;
}

/** `80` or `80:8080` or `80:http` -> the ServicePort kubectl makes (named `80-8080`). */
export function parseTcpSpec(spec: string, nodePort?: number): ServicePort {
  const parts = spec.split(":");
  if (parts.length > 2) throw new UserError(`invalid --tcp "${spec}": use PORT or PORT:TARGET_PORT`);
  const port = parsePortNumber(parts[0], "port");
  const targetPort = parts.length === 2 ? parseTargetPort(parts[1]) : port;
  return { name: spec.replace(/:/g, "-"), ...(nodePort !== undefined ? { nodePort } : {}), port, protocol: "TCP", targetPort };
}

export type CreateServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";

export interface CreateServiceOptions {
  name: string;
  type: CreateServiceType;
  tcp: readonly string[];
  clusterIP?: string;
  nodePort?: number;
  namespace?: string;
}

/** `create service clusterip|nodeport|loadbalancer`. */
export function generateService(o: CreateServiceOptions): Service {
  if (o.clusterIP === "None" && o.type !== "ClusterIP") throw new UserError("ClusterIP=None can only be used with ClusterIP service type");
  if (o.clusterIP !== "None" && o.tcp.length === 0) throw new UserError("at least one tcp port specifier must be provided");
  const ports = o.tcp.map((t) => parseTcpSpec(t, o.nodePort));
  const spec: ServiceSpec = { ...(o.clusterIP ? { clusterIP: o.clusterIP } : {}), ...(ports.length ? { ports } : {}), selector: { app: o.name }, type: o.type };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}), labels: { app: o.name } },
    spec,
    status: { loadBalancer: {} },
  };
}

/** The object `expose` reads: its labels, and a selector and ports it yields. */
export interface ExposedObject {
  kind: string;
  metadata: { name?: string; labels?: Labels };
  spec?: unknown;
}

/** The selector a Service for this object uses (kubectl's MapBasedSelectorForObject). */
export function selectorForObject(obj: ExposedObject): Labels {
  if (obj.kind === "Pod") {
    const labels = obj.metadata.labels ?? {};
    if (Object.keys(labels).length === 0) throw new UserError(`the pod has no labels and cannot be exposed`);
    return { ...labels };
  }
  if (obj.kind === "Service") {
    const sel = (obj.spec as ServiceSpec | undefined)?.selector;
    if (!sel || Object.keys(sel).length === 0) throw new UserError(`the service has no pod selector set`);
    return { ...sel };
  }
  const selector = (obj.spec as { selector?: { matchLabels?: Labels; matchExpressions?: unknown[] } } | undefined)?.selector;
  if (selector?.matchExpressions?.length) {
    throw new UserError(`couldn't convert expressions - "${JSON.stringify(selector.matchExpressions)}" to map-based selector format`);
  }
  return { ...(selector?.matchLabels ?? {}) };
}

/** Container ports (or a Service's ports) with their protocols, in order, for `expose` without --port. */
export function portsForObject(obj: ExposedObject): { port: number; protocol: string }[] {
  if (obj.kind === "Service") return ((obj.spec as ServiceSpec | undefined)?.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP" }));
  const podSpec = obj.kind === "Pod" ? (obj as unknown as Pod).spec : (obj.spec as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template?.spec;
  return (podSpec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? "TCP" })));
}

export interface ExposeOptions {
  port?: string;
  targetPort?: string;
  protocol?: string;
  type?: string;
  name?: string;
  labels?: string;
  selector?: string;
  clusterIP?: string;
  externalIP?: string;
  sessionAffinity?: string;
  nodePort?: number;
  namespace?: string;
}

const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"];
const PROTOCOLS = ["TCP", "UDP", "SCTP"];

/** `expose`: a Service selecting the object's pods, as kubectl's expose builds it. */
export function generateExposeService(obj: ExposedObject, o: ExposeOptions): Service {
  if (o.type !== undefined && !SERVICE_TYPES.includes(o.type)) throw new UserError(`invalid service type "${o.type}": use one of ${SERVICE_TYPES.join(", ")}`);
  if (o.protocol !== undefined && !PROTOCOLS.includes(o.protocol)) throw new UserError(`invalid protocol "${o.protocol}": use one of ${PROTOCOLS.join(", ")}`);
  if (o.sessionAffinity !== undefined && o.sessionAffinity !== "None" && o.sessionAffinity !== "ClientIP") throw new UserError(`unknown session affinity: ${o.sessionAffinity}`);
  if (o.nodePort !== undefined && o.type !== "NodePort" && o.type !== "LoadBalancer") throw new UserError("--node-port needs --type=NodePort or --type=LoadBalancer");
  const selector = o.selector ? parseLabelSpec(o.selector) : selectorForObject(obj);
  if (Object.keys(selector).length === 0) throw new UserError("couldn't retrieve selectors via --selector flag or introspection");
  const headless = o.clusterIP === "None";
  let ports: ServicePort[];
  if (o.port !== undefined) {
    ports = o.port.split(",").map((p) => ({ port: parsePortNumber(p, "port"), protocol: (o.protocol ?? "TCP") as ServicePort["protocol"] }));
  } else {
    const found = portsForObject(obj);
    if (found.length === 0 && !headless) throw new UserError("couldn't find port via --port flag or introspection");
    ports = found.map((p) => ({ port: p.port, protocol: (o.protocol ?? p.protocol) as ServicePort["protocol"] }));
  }
  const named = ports.length > 1;
  const target = o.targetPort !== undefined ? parseTargetPort(o.targetPort) : undefined;
  const finalPorts = ports.map((p, i) => ({
    ...(named ? { name: `port-${i + 1}` } : {}),
    ...(o.nodePort !== undefined ? { nodePort: o.nodePort } : {}),
    port: p.port,
    protocol: p.protocol,
    targetPort: target ?? p.port,
  }));
  const labels = o.labels ? parseLabelSpec(o.labels) : obj.metadata.labels;
  const name = (o.name ?? obj.metadata.name ?? "").slice(0, 63);
  const spec: ServiceSpec = {
    ...(o.clusterIP ? { clusterIP: o.clusterIP } : {}),
    ...(o.externalIP ? { externalIPs: [o.externalIP] } : {}),
    ports: finalPorts,
    selector,
    ...(o.sessionAffinity ? { sessionAffinity: o.sessionAffinity as ServiceSpec["sessionAffinity"] } : {}),
    ...(o.type ? { type: o.type as ServiceSpec["type"] } : {}),
  };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, ...(o.namespace ? { namespace: o.namespace } : {}), ...(labels && Object.keys(labels).length ? { labels: { ...labels } } : {}) },
    spec,
    status: { loadBalancer: {} },
  };
}
