/**
 * Pod spec defaults and validation, shared by Pods and the templates of ReplicaSets and
 * Deployments.
 */
import type { Container, PodSpec, Probe } from "../../lib/types.js";
import { FieldErrors, isRecord } from "../validation/field-errors.js";
import { isDns1123Label, isDns1123Subdomain } from "../validation/names.js";

const PROTOCOLS = new Set(["TCP", "UDP", "SCTP"]);
const RESTART_POLICIES = new Set(["Always", "OnFailure", "Never"]);
const PULL_POLICIES = new Set(["Always", "IfNotPresent", "Never"]);

/** Kubernetes' pod spec defaults. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) if (isRecord(c)) defaultContainer(c);
  }
}

function defaultContainer(c: Container): void {
  if (c.imagePullPolicy === undefined && typeof c.image === "string") {
    // Kubernetes: Always for `:latest` or an untagged image, else IfNotPresent.
    const afterSlash = c.image.slice(c.image.lastIndexOf("/") + 1);
    const digest = afterSlash.includes("@");
    const tag = afterSlash.includes(":") ? afterSlash.slice(afterSlash.indexOf(":") + 1) : "";
    c.imagePullPolicy = !digest && (tag === "" || tag === "latest") ? "Always" : "IfNotPresent";
  }
  c.terminationMessagePath ??= "/dev/termination-log";
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isRecord(p)) p.protocol ??= "TCP";
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (isRecord(probe)) defaultProbe(probe);
}

function defaultProbe(p: Probe): void {
  p.periodSeconds ??= 10;
  p.timeoutSeconds ??= 1;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
}

/** Validate a pod spec found at `path` (`spec` or `spec.template.spec`). */
export function validatePodSpec(spec: unknown, path: string, errs: FieldErrors): void {
  if (!isRecord(spec)) {
    errs.required(path);
    return;
  }
  const s = spec as unknown as PodSpec;
  if (!Array.isArray(s.containers) || s.containers.length === 0) errs.required(`${path}.containers`);
  else validateContainers(s.containers, `${path}.containers`, errs, new Set());
  if (s.initContainers !== undefined) {
    if (!Array.isArray(s.initContainers)) errs.add(`${path}.initContainers`, "must be a list");
    else {
      validateContainers(s.initContainers, `${path}.initContainers`, errs, new Set((s.containers ?? []).map((c) => c?.name)));
      s.initContainers.forEach((c, i) => {
        const policy = isRecord(c) ? (c as { restartPolicy?: unknown }).restartPolicy : undefined;
        if (policy === undefined) return;
        // Kubernetes allows only "Always" (a sidecar). kctl's kubelet runs init containers to
        // completion only, so a sidecar would hold its pod in init forever: refuse it up front.
        const message = policy === "Always"
          ? 'Unsupported value: "Always": sidecar init containers (restartPolicy: Always) are not supported by kctl'
          : `Unsupported value: ${JSON.stringify(policy)}: supported values: "Always"`;
        errs.add(`${path}.initContainers[${i}].restartPolicy`, message, "FieldValueNotSupported");
      });
    }
  }
  if (s.restartPolicy !== undefined && !RESTART_POLICIES.has(s.restartPolicy)) errs.add(`${path}.restartPolicy`, 'Unsupported value: must be one of "Always", "OnFailure", "Never"', "FieldValueNotSupported");
  errs.nonNegativeInt(`${path}.terminationGracePeriodSeconds`, s.terminationGracePeriodSeconds);
  errs.int(`${path}.activeDeadlineSeconds`, s.activeDeadlineSeconds, "int64", 1);
  errs.int(`${path}.priority`, (s as { priority?: unknown }).priority, "int32");
  if (s.nodeName !== undefined && (typeof s.nodeName !== "string" || (s.nodeName !== "" && !isDns1123Subdomain(s.nodeName)))) {
    errs.add(`${path}.nodeName`, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
  }
  if (Array.isArray(s.volumes)) {
    const seen = new Set<string>();
    s.volumes.forEach((v, i) => {
      if (!isRecord(v) || typeof v.name !== "string" || !v.name) errs.required(`${path}.volumes[${i}].name`);
      else if (seen.has(v.name)) errs.add(`${path}.volumes[${i}].name`, `Duplicate value: "${v.name}"`, "FieldValueDuplicate");
      else seen.add(v.name);
      if (isRecord(v) && isRecord(v.emptyDir)) errs.quantity(`${path}.volumes[${i}].emptyDir.sizeLimit`, v.emptyDir.sizeLimit);
      const src = isRecord(v) ? (isRecord(v.secret) ? v.secret.secretName : isRecord(v.configMap) ? v.configMap.name : undefined) : undefined;
      if (src !== undefined && (typeof src !== "string" || !isDns1123Subdomain(src))) errs.add(`${path}.volumes[${i}]`, "the Secret or ConfigMap it names must be a valid object name");
      const claim = isRecord(v) && isRecord(v.persistentVolumeClaim) ? v.persistentVolumeClaim : undefined;
      if (claim) {
        if (typeof claim.claimName !== "string" || claim.claimName === "") errs.required(`${path}.volumes[${i}].persistentVolumeClaim.claimName`);
        else if (!isDns1123Subdomain(claim.claimName)) errs.add(`${path}.volumes[${i}].persistentVolumeClaim.claimName`, "must be a valid PersistentVolumeClaim name");
      }
    });
  }
}

function validateContainers(list: unknown[], path: string, errs: FieldErrors, otherNames: Set<string | undefined>): void {
  const names = new Set<string>();
  list.forEach((raw, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(raw)) {
      errs.add(p, "must be an object");
      return;
    }
    const c = raw as unknown as Container;
    if (typeof c.name !== "string" || c.name === "") errs.required(`${p}.name`);
    else if (!isDns1123Label(c.name)) errs.add(`${p}.name`, "must be a DNS-1123 label");
    else if (names.has(c.name) || otherNames.has(c.name)) errs.add(`${p}.name`, `Duplicate value: "${c.name}"`, "FieldValueDuplicate");
    else names.add(c.name);
    if (typeof c.image !== "string" || c.image.trim() === "") errs.required(`${p}.image`);
    if (c.imagePullPolicy !== undefined && !PULL_POLICIES.has(c.imagePullPolicy)) errs.add(`${p}.imagePullPolicy`, 'Unsupported value: must be one of "Always", "IfNotPresent", "Never"', "FieldValueNotSupported");
    if (c.ports !== undefined) {
      if (!Array.isArray(c.ports)) errs.add(`${p}.ports`, "must be a list");
      else c.ports.forEach((port, j) => {
        const pp = `${p}.ports[${j}]`;
        if (!isRecord(port)) return errs.add(pp, "must be an object");
        errs.port(`${pp}.containerPort`, port.containerPort, true);
        errs.port(`${pp}.hostPort`, port.hostPort, false);
        if (port.protocol !== undefined && !PROTOCOLS.has(String(port.protocol))) errs.add(`${pp}.protocol`, 'Unsupported value: must be one of "TCP", "UDP", "SCTP"', "FieldValueNotSupported");
      });
    }
    validateResources(c.resources, `${p}.resources`, errs);
    for (const k of ["command", "args"] as const) {
      const v = c[k];
      if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== "string"))) errs.add(`${p}.${k}`, "must be a list of strings");
    }
    if (c.env !== undefined) {
      if (!Array.isArray(c.env)) errs.add(`${p}.env`, "must be a list");
      else c.env.forEach((e, j) => {
        if (!isRecord(e) || typeof e.name !== "string" || e.name === "") errs.required(`${p}.env[${j}].name`);
      });
    }
    for (const k of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
      const pr = c[k];
      if (pr === undefined) continue;
      if (!isRecord(pr)) {
        errs.add(`${p}.${k}`, "must be an object");
        continue;
      }
      for (const f of ["initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold"] as const) {
        errs.nonNegativeInt(`${p}.${k}.${f}`, pr[f], "int32");
      }
      errs.int(`${p}.${k}.terminationGracePeriodSeconds`, (pr as { terminationGracePeriodSeconds?: unknown }).terminationGracePeriodSeconds, "int64", 1);
    }
  });
}

/** Requests and limits: valid non-negative quantities, and no request above its limit. */
function validateResources(r: unknown, path: string, errs: FieldErrors): void {
  if (r === undefined || r === null) return;
  if (!isRecord(r)) return errs.add(path, "must be an object");
  const requests = errs.resourceList(`${path}.requests`, r.requests);
  const limits = errs.resourceList(`${path}.limits`, r.limits);
  for (const [name, req] of requests) {
    const lim = limits.get(name);
    if (lim !== undefined && req > lim) errs.add(`${path}.requests[${name}]`, `must be less than or equal to ${name} limit of ${String((r.limits as Record<string, unknown>)[name])}`);
  }
}
