/**
 * Client-side mirror of the API server's most common validation rules, used before any write
 * when the server cannot validate in a dry run: names, replicas, selectors vs template labels,
 * containers, service ports. Messages match the server's (`spec.replicas: must be >= 0`).
 */
import type { KObject } from "../../lib/types.js";

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

function nonNegativeInt(errs: string[], field: string, v: unknown): void {
  if (v === undefined || v === null) return;
  if (typeof v !== "number" || !Number.isInteger(v)) errs.push(`${field}: must be an integer`);
  else if (v < 0) errs.push(`${field}: must be >= 0`);
}

function port(errs: string[], field: string, v: unknown, required: boolean): void {
  if (v === undefined || v === null) {
    if (required) errs.push(`${field}: Required value`);
    return;
  }
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535) errs.push(`${field}: must be between 1 and 65535, inclusive`);
}

function podSpec(errs: string[], path: string, spec: unknown): void {
  if (!isRec(spec)) {
    errs.push(`${path}: Required value`);
    return;
  }
  const cs = spec.containers;
  if (!Array.isArray(cs) || cs.length === 0) {
    errs.push(`${path}.containers: Required value`);
    return;
  }
  cs.forEach((c, i) => {
    const p = `${path}.containers[${i}]`;
    if (!isRec(c)) return void errs.push(`${p}: must be an object`);
    if (typeof c.name !== "string" || !c.name) errs.push(`${p}.name: Required value`);
    else if (!LABEL.test(c.name) || c.name.length > 63) errs.push(`${p}.name: must be a DNS-1123 label`);
    if (typeof c.image !== "string" || !c.image) errs.push(`${p}.image: Required value`);
    if (Array.isArray(c.ports)) c.ports.forEach((cp, j) => isRec(cp) && port(errs, `${p}.ports[${j}].containerPort`, cp.containerPort, true));
  });
}

function workload(errs: string[], spec: unknown): void {
  if (!isRec(spec)) return void errs.push("spec: Required value");
  nonNegativeInt(errs, "spec.replicas", spec.replicas);
  nonNegativeInt(errs, "spec.minReadySeconds", spec.minReadySeconds);
  const sel = spec.selector;
  const tpl = spec.template;
  if (!isRec(sel)) errs.push("spec.selector: Required value");
  else if (isRec(sel.matchLabels) && !sel.matchExpressions) {
    const labels = isRec(tpl) && isRec(tpl.metadata) && isRec(tpl.metadata.labels) ? tpl.metadata.labels : {};
    const ok = Object.entries(sel.matchLabels).every(([k, v]) => labels[k] === v);
    if (Object.keys(sel.matchLabels).length === 0) errs.push("spec.selector: empty selector is invalid for deployment");
    else if (!ok) errs.push("spec.template.metadata.labels: `selector` does not match template `labels`");
  }
  if (!isRec(tpl)) errs.push("spec.template: Required value");
  else podSpec(errs, "spec.template.spec", tpl.spec);
}

/** `field: message` errors for one object (empty when it looks valid). */
export function precheck(obj: KObject): string[] {
  const errs: string[] = [];
  const name = obj.metadata.name;
  if (name) {
    const rule = obj.kind === "Namespace" ? LABEL : obj.kind === "Service" ? DNS1035 : SUBDOMAIN;
    const ruleName = obj.kind === "Namespace" ? "DNS-1123 label" : obj.kind === "Service" ? "DNS-1035 label" : "DNS-1123 subdomain";
    if (!rule.test(name) || name.length > (rule === SUBDOMAIN ? 253 : 63)) errs.push(`metadata.name: must be a ${ruleName}`);
  }
  switch (obj.kind) {
    case "Deployment":
    case "ReplicaSet":
      workload(errs, obj.spec);
      break;
    case "Pod":
      podSpec(errs, "spec", obj.spec);
      break;
    case "Service": {
      const spec = obj.spec;
      if (isRec(spec) && Array.isArray(spec.ports)) {
        spec.ports.forEach((p, i) => {
          if (!isRec(p)) return;
          port(errs, `spec.ports[${i}].port`, p.port, true);
          if (p.nodePort !== undefined) port(errs, `spec.ports[${i}].nodePort`, p.nodePort, false);
        });
      }
      break;
    }
  }
  return errs;
}
