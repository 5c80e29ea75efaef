/**
 * Services: defaults (ClusterIP, TCP, targetPort = port, sessionAffinity None), port rules,
 * ClusterIP and NodePort allocation inside the write.
 */
import type { KObject, Service, ServicePort, ServiceSpec } from "../../lib/types.js";
import { allocateIp, inRange, ipToInt, parseCidr } from "../allocators/cluster-ip.js";
import { allocateNodePort, NODE_PORT_MAX, NODE_PORT_MIN } from "../allocators/node-port.js";
import { isRecord, type FieldErrors } from "../validation/field-errors.js";
import { validateLabels } from "../validation/metadata.js";
import { isDns1123Label } from "../validation/names.js";
import { servicePrinter } from "../../lib/printers/service.js";
import type { Strategy, StrategyContext } from "./strategy.js";

const TYPES = new Set(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]);
const PROTOCOLS = new Set(["TCP", "UDP", "SCTP"]);

function usesNodePorts(t: string | undefined): boolean {
  return t === "NodePort" || t === "LoadBalancer";
}

export const serviceStrategy: Strategy = {
  nameRule: "dns1035",
  printer: servicePrinter,
  deleteAnswersWithObject: true,
  prepareForCreate(obj: KObject): void {
    obj.status = { loadBalancer: {} };
  },
  defaults(obj: KObject): void {
    if (!isRecord(obj.spec)) return;
    const s = obj.spec as ServiceSpec;
    s.type ??= "ClusterIP";
    if (s.type !== "ExternalName") s.sessionAffinity ??= "None";
    if (usesNodePorts(s.type)) (s as Record<string, unknown>).externalTrafficPolicy ??= "Cluster";
    if (Array.isArray(s.ports)) {
      for (const p of s.ports) {
        if (!isRecord(p)) continue;
        p.protocol ??= "TCP";
        if (p.targetPort === undefined && typeof p.port === "number") p.targetPort = p.port;
      }
    }
  },
  validate(obj, old, errs): void {
    if (!isRecord(obj.spec)) {
      errs.required("spec");
      return;
    }
    const s = obj.spec as ServiceSpec;
    if (s.type !== undefined && !TYPES.has(s.type)) errs.add("spec.type", 'Unsupported value: must be one of "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"', "FieldValueNotSupported");
    if (s.type === "ExternalName" && !s.externalName) errs.required("spec.externalName");
    validateLabels(s.selector, "spec.selector", errs);
    if (s.sessionAffinity !== undefined && s.sessionAffinity !== "None" && s.sessionAffinity !== "ClientIP") errs.add("spec.sessionAffinity", 'Unsupported value: must be one of "ClientIP", "None"', "FieldValueNotSupported");
    const headless = s.clusterIP === "None";
    if (s.ports === undefined || (Array.isArray(s.ports) && s.ports.length === 0)) {
      if (s.type !== "ExternalName" && !headless) errs.required("spec.ports");
    } else if (!Array.isArray(s.ports)) errs.add("spec.ports", "must be a list");
    else validatePorts(s, errs);
    if (old && isRecord(old.spec)) {
      const was = (old.spec as ServiceSpec).clusterIP;
      if (was && s.clusterIP && s.clusterIP !== was && s.type !== "ExternalName") errs.add("spec.clusterIP", "field is immutable");
    }
  },
  allocate(obj, old, ctx, errs): void {
    allocateService(obj as Service, old as Service | undefined, ctx, errs);
  },
};

function validatePorts(s: ServiceSpec, errs: FieldErrors): void {
  const ports = s.ports as ServicePort[];
  const names = new Set<string>();
  const pairs = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (!isRecord(p)) return errs.add(path, "must be an object");
    if (ports.length > 1 && !p.name) errs.required(`${path}.name`);
    if (p.name) {
      if (!isDns1123Label(p.name)) errs.add(`${path}.name`, "must be a DNS-1123 label");
      else if (names.has(p.name)) errs.add(`${path}.name`, `Duplicate value: "${p.name}"`, "FieldValueDuplicate");
      names.add(p.name);
    }
    errs.port(`${path}.port`, p.port, true);
    if (p.protocol !== undefined && !PROTOCOLS.has(p.protocol)) errs.add(`${path}.protocol`, 'Unsupported value: must be one of "SCTP", "TCP", "UDP"', "FieldValueNotSupported");
    const pair = `${p.port}/${p.protocol ?? "TCP"}`;
    if (pairs.has(pair)) errs.add(`${path}`, `Duplicate value: ${pair}`, "FieldValueDuplicate");
    pairs.add(pair);
    if (typeof p.targetPort === "number") errs.port(`${path}.targetPort`, p.targetPort, false);
    else if (p.targetPort !== undefined && (typeof p.targetPort !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.targetPort) || p.targetPort.length > 15)) {
      errs.add(`${path}.targetPort`, "must be a port number or an IANA service name");
    }
    if (p.nodePort !== undefined && p.nodePort !== null && p.nodePort !== 0) {
      if (!usesNodePorts(s.type)) errs.add(`${path}.nodePort`, `may not be used when \`type\` is '${s.type ?? "ClusterIP"}'`, "FieldValueForbidden");
      else errs.port(`${path}.nodePort`, p.nodePort, false, NODE_PORT_MIN, NODE_PORT_MAX);
    }
  });
}

/** Give the service its ClusterIP and node ports, checking that requested ones are free. */
function allocateService(svc: Service, old: Service | undefined, ctx: StrategyContext, errs: FieldErrors): void {
  const s = svc.spec;
  const self = `${svc.metadata.namespace}/${svc.metadata.name}`;
  const usedIps = new Set<string>();
  const usedPorts = new Set<number>();
  for (const e of ctx.store.list("services")) {
    if (`${e.namespace}/${e.name}` === self) continue;
    const o = e.object() as Service;
    if (o.spec?.clusterIP && o.spec.clusterIP !== "None") usedIps.add(o.spec.clusterIP);
    for (const p of o.spec?.ports ?? []) if (p.nodePort) usedPorts.add(p.nodePort);
  }
  if (s.type === "ExternalName") {
    delete s.clusterIP;
    delete s.clusterIPs;
  } else {
    // An update without a clusterIP keeps the one it has (as Kubernetes does).
    if (!s.clusterIP && old?.spec?.clusterIP) s.clusterIP = old.spec.clusterIP;
    const range = parseCidr(ctx.serviceCidr);
    if (!s.clusterIP) {
      const ip = allocateIp(range, usedIps);
      if (!ip) errs.add("spec.clusterIP", `no free addresses in ${range.cidr}`);
      else s.clusterIP = ip;
    } else if (s.clusterIP !== "None") {
      if (ipToInt(s.clusterIP) === undefined) errs.add("spec.clusterIP", "must be a valid IP address");
      else if (!inRange(range, s.clusterIP)) errs.add("spec.clusterIP", `provided IP is not in the valid range ${range.cidr}`);
      else if (usedIps.has(s.clusterIP)) errs.add("spec.clusterIP", `provided IP is already allocated: ${s.clusterIP}`);
    }
    if (s.clusterIP) s.clusterIPs = [s.clusterIP];
  }
  const ports = Array.isArray(s.ports) ? s.ports : [];
  if (!usesNodePorts(s.type)) {
    for (const p of ports) if (isRecord(p) && (p.nodePort === 0 || p.nodePort === null)) delete p.nodePort;
    return;
  }
  const mine = new Set<number>();
  ports.forEach((p, i) => {
    if (!isRecord(p)) return;
    if (!p.nodePort) {
      // Keep the port this service already had for the same port/protocol.
      const prev = old?.spec?.ports?.find((q) => q.port === p.port && (q.protocol ?? "TCP") === (p.protocol ?? "TCP"));
      if (prev?.nodePort && !mine.has(prev.nodePort)) p.nodePort = prev.nodePort;
    }
    if (p.nodePort) {
      if (usedPorts.has(p.nodePort) || mine.has(p.nodePort)) errs.add(`spec.ports[${i}].nodePort`, `provided port is already allocated: ${p.nodePort}`);
      mine.add(p.nodePort);
      return;
    }
    const port = allocateNodePort(new Set([...usedPorts, ...mine]));
    if (port === undefined) errs.add(`spec.ports[${i}].nodePort`, "no free node ports");
    else {
      p.nodePort = port;
      mine.add(port);
    }
  });
}
