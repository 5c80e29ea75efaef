/** `kctl describe pod`: status, containers (state, last state, restarts), conditions, volumes, events. */
import type { Container, ContainerState, ContainerStatus, Pod } from "../../lib/types.js";
import { since } from "../../lib/human-duration.js";
import { formatLabels } from "../printers/labels.js";
import { conditionsTable, controlledBy, describeTime, metaLines } from "./common.js";
import type { DescribeWriter } from "./tabwriter.js";

function stateLines(w: DescribeWriter, level: number, title: string, s: ContainerState | undefined): void {
  if (s?.running) {
    w.line(level, `${title}:\tRunning`);
    w.line(level + 1, `Started:\t${describeTime(s.running.startedAt)}`);
  } else if (s?.waiting) {
    w.line(level, `${title}:\tWaiting`);
    if (s.waiting.reason) w.line(level + 1, `Reason:\t${s.waiting.reason}`);
    if (s.waiting.message) w.line(level + 1, `Message:\t${s.waiting.message}`);
  } else if (s?.terminated) {
    const t = s.terminated;
    w.line(level, `${title}:\tTerminated`);
    if (t.reason) w.line(level + 1, `Reason:\t${t.reason}`);
    if (t.message) w.line(level + 1, `Message:\t${t.message.trim()}`);
    w.line(level + 1, `Exit Code:\t${t.exitCode}`);
    if (t.signal) w.line(level + 1, `Signal:\t${t.signal}`);
    w.line(level + 1, `Started:\t${describeTime(t.startedAt)}`);
    w.line(level + 1, `Finished:\t${describeTime(t.finishedAt)}`);
  } else {
    w.line(level, `${title}:\tWaiting`);
  }
}

function probeText(p: NonNullable<Container["livenessProbe"]>): string {
  let action = "unknown";
  if (p.httpGet) action = `http-get ${p.httpGet.scheme === "HTTPS" ? "https" : "http"}://${p.httpGet.host ?? ""}:${p.httpGet.port}${p.httpGet.path ?? "/"}`;
  else if (p.tcpSocket) action = `tcp-socket ${p.tcpSocket.host ?? ""}:${p.tcpSocket.port}`;
  else if (p.exec) action = `exec [${(p.exec.command ?? []).join(" ")}]`;
  return `${action} delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
}

function containerLines(w: DescribeWriter, c: Container, st: ContainerStatus | undefined): void {
  w.line(1, `${c.name}:`);
  if (st?.containerID) w.line(2, `Container ID:\t${st.containerID}`);
  w.line(2, `Image:\t${c.image}`);
  if (st) w.line(2, `Image ID:\t${st.imageID ?? ""}`);
  const ports = c.ports ?? [];
  if (ports.length <= 1) {
    w.line(2, `Port:\t${ports.length ? `${ports[0].containerPort}/${ports[0].protocol ?? "TCP"}` : "<none>"}`);
    w.line(2, `Host Port:\t${ports.length ? `${ports[0].hostPort ?? 0}/${ports[0].protocol ?? "TCP"}` : "<none>"}`);
  } else {
    w.line(2, `Ports:\t${ports.map((p) => `${p.containerPort}/${p.protocol ?? "TCP"}`).join(", ")}`);
    w.line(2, `Host Ports:\t${ports.map((p) => `${p.hostPort ?? 0}/${p.protocol ?? "TCP"}`).join(", ")}`);
  }
  if (c.command?.length) {
    w.line(2, "Command:");
    for (const x of c.command) w.line(3, x);
  }
  if (c.args?.length) {
    w.line(2, "Args:");
    for (const x of c.args) w.line(3, x);
  }
  if (st) {
    stateLines(w, 2, "State", st.state);
    if (st.lastState && Object.keys(st.lastState).length) stateLines(w, 2, "Last State", st.lastState);
    w.line(2, `Ready:\t${st.ready ? "True" : "False"}`);
    w.line(2, `Restart Count:\t${st.restartCount ?? 0}`);
  }
  for (const kind of ["limits", "requests"] as const) {
    const rl = c.resources?.[kind];
    if (rl && Object.keys(rl).length) {
      w.line(2, `${kind === "limits" ? "Limits" : "Requests"}:`);
      for (const k of Object.keys(rl).sort()) w.line(3, `${k}:\t${rl[k]}`);
    }
  }
  if (c.livenessProbe) w.line(2, `Liveness:\t${probeText(c.livenessProbe)}`);
  if (c.readinessProbe) w.line(2, `Readiness:\t${probeText(c.readinessProbe)}`);
  if (c.startupProbe) w.line(2, `Startup:\t${probeText(c.startupProbe)}`);
  if (!c.env?.length) w.line(2, "Environment:\t<none>");
  else {
    w.line(2, "Environment:");
    for (const e of c.env) {
      let v = e.value ?? "";
      if (e.valueFrom?.configMapKeyRef) v = `<set to the key '${e.valueFrom.configMapKeyRef.key}' of config map '${e.valueFrom.configMapKeyRef.name}'>`;
      else if (e.valueFrom?.secretKeyRef) v = `<set to the key '${e.valueFrom.secretKeyRef.key}' in secret '${e.valueFrom.secretKeyRef.name}'>`;
      else if (e.valueFrom?.fieldRef) v = `(${e.valueFrom.fieldRef.apiVersion ?? "v1"}:${e.valueFrom.fieldRef.fieldPath})`;
      w.line(3, `${e.name}:\t${v}`);
    }
  }
  if (!c.volumeMounts?.length) w.line(2, "Mounts:\t<none>");
  else {
    w.line(2, "Mounts:");
    for (const m of c.volumeMounts) w.line(3, `${m.mountPath} from ${m.name} (${m.readOnly ? "ro" : "rw"})`);
  }
}

/** Describe a pod. */
export function describePod(w: DescribeWriter, pod: Pod): void {
  const st = pod.status ?? {};
  metaLines(w, pod, {});
  // kubectl prints Labels/Annotations after these; we keep the metadata block together.
  w.line(0, `Priority:\t${pod.spec?.priority ?? 0}`);
  w.line(0, `Node:\t${pod.spec?.nodeName ? `${pod.spec.nodeName}${st.hostIP ? `/${st.hostIP}` : ""}` : "<none>"}`);
  if (st.startTime) w.line(0, `Start Time:\t${describeTime(st.startTime)}`);
  if (pod.metadata.deletionTimestamp) {
    w.line(0, `Status:\tTerminating (lasts ${since(pod.metadata.deletionTimestamp)})`);
    w.line(0, `Termination Grace Period:\t${pod.metadata.deletionGracePeriodSeconds ?? 30}s`);
  } else w.line(0, `Status:\t${st.phase ?? "Pending"}`);
  if (st.reason) w.line(0, `Reason:\t${st.reason}`);
  if (st.message) w.line(0, `Message:\t${st.message}`);
  w.line(0, `IP:\t${st.podIP ?? ""}`);
  const ips = st.podIPs ?? (st.podIP ? [{ ip: st.podIP }] : []);
  if (ips.length) {
    w.line(0, "IPs:");
    for (const ip of ips) w.line(1, `IP:\t${ip.ip}`);
  } else w.line(0, "IPs:\t<none>");
  controlledBy(w, pod);
  const statusFor = (list: ContainerStatus[] | undefined, name: string) => list?.find((s) => s.name === name);
  if (pod.spec?.initContainers?.length) {
    w.line(0, "Init Containers:");
    for (const c of pod.spec.initContainers) containerLines(w, c, statusFor(st.initContainerStatuses, c.name));
  }
  w.line(0, "Containers:");
  for (const c of pod.spec?.containers ?? []) containerLines(w, c, statusFor(st.containerStatuses, c.name));
  conditionsTable(w, st.conditions as unknown as Record<string, unknown>[]);
  const vols = pod.spec?.volumes ?? [];
  if (!vols.length) w.line(0, "Volumes:\t<none>");
  else {
    w.line(0, "Volumes:");
    for (const v of vols) {
      w.line(1, `${v.name}:`);
      if (v.emptyDir) w.line(2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)`);
      else if (v.hostPath) {
        w.line(2, `Type:\tHostPath (bare host directory volume)`);
        w.line(2, `Path:\t${v.hostPath.path}`);
      } else if (v.configMap) {
        w.line(2, `Type:\tConfigMap (a volume populated by a ConfigMap)`);
        w.line(2, `Name:\t${v.configMap.name}`);
      } else if (v.secret) {
        w.line(2, `Type:\tSecret (a volume populated by a Secret)`);
        w.line(2, `SecretName:\t${v.secret.secretName}`);      } else if (v.persistentVolumeClaim) {
        w.line(2, `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)`);
        w.line(2, `ClaimName:\t${v.persistentVolumeClaim.claimName}`);
        w.line(2, `ReadOnly:\t${v.persistentVolumeClaim.readOnly ? "true" : "false"}`);
      }
    }
  }
  w.line(0, `Node-Selectors:\t${pod.spec?.nodeSelector && Object.keys(pod.spec.nodeSelector).length ? formatLabels(pod.spec.nodeSelector) : "<none>"}`);
  const tol = pod.spec?.tolerations ?? [];
  if (!tol.length) w.line(0, "Tolerations:\t<none>");
  else
    tol.forEach((t, i) => {
      let text = t.key ?? "";
      if (t.value) text += `=${t.value}`;
      if (t.effect) text += `:${t.effect}`;
      if (t.operator === "Exists") text += " op=Exists";
      if (t.tolerationSeconds !== undefined) text += ` for ${t.tolerationSeconds}s`;
      w.line(0, `${i === 0 ? "Tolerations:" : ""}\t${text.trim()}`);
    });
}
