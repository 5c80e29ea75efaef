/** `kctl describe service|endpoints|node|namespace|configmap|secret|<any>`. */
import type { ConfigMap, Endpoints, KObject, Namespace, Node, Pod, Secret, Service } from "../../lib/types.js";
import { describeNodeResources } from "./node-resources.js";
import { formatLabels } from "../printers/labels.js";
import { formatEndpoints } from "../../lib/printers/service.js";
import { nodeRoles } from "../../lib/printers/cluster.js";
import { conditionsTable, describeTime, metaLines } from "./common.js";
import type { DescribeWriter } from "./tabwriter.js";

/** Describe a service (its endpoints object is given by the caller). */
export function describeService(w: DescribeWriter, svc: Service, ep: Endpoints | undefined): void {
  metaLines(w, svc);
  const sp = svc.spec ?? {};
  w.line(0, `Selector:\t${sp.selector && Object.keys(sp.selector).length ? formatLabels(sp.selector) : "<none>"}`);
  w.line(0, `Type:\t${sp.type ?? "ClusterIP"}`);
  w.line(0, `IP Family Policy:\tSingleStack`);
  w.line(0, `IP Families:\tIPv4`);
  w.line(0, `IP:\t${sp.clusterIP ?? "<none>"}`);
  w.line(0, `IPs:\t${(sp.clusterIPs ?? (sp.clusterIP ? [sp.clusterIP] : [])).join(",") || "<none>"}`);
  if (sp.externalIPs?.length) w.line(0, `External IPs:\t${sp.externalIPs.join(",")}`);
  for (const p of sp.ports ?? []) {
    const name = p.name || "<unset>";
    w.line(0, `Port:\t${name}\t${p.port}/${p.protocol ?? "TCP"}`);
    w.line(0, `TargetPort:\t${p.targetPort ?? p.port}/${p.protocol ?? "TCP"}`);
    if (p.nodePort) w.line(0, `NodePort:\t${name}\t${p.nodePort}/${p.protocol ?? "TCP"}`);
    w.line(0, `Endpoints:\t${ep ? formatEndpoints(ep).replace("<none>", "") : ""}`);
  }
  w.line(0, `Session Affinity:\t${sp.sessionAffinity ?? "None"}`);
}

/** Describe an endpoints object. */
export function describeEndpoints(w: DescribeWriter, ep: Endpoints): void {
  metaLines(w, ep);
  w.line(0, "Subsets:");
  for (const s of ep.subsets ?? []) {
    w.line(1, `Addresses:\t${(s.addresses ?? []).map((a) => a.ip).join(",") || "<none>"}`);
    w.line(1, `NotReadyAddresses:\t${(s.notReadyAddresses ?? []).map((a) => a.ip).join(",") || "<none>"}`);
    w.line(1, "Ports:");
    w.line(2, "Name\tPort\tProtocol");
    w.line(2, "----\t----\t--------");
    for (const p of s.ports ?? []) w.line(2, `${p.name || "<unset>"}\t${p.port}\t${p.protocol ?? "TCP"}`);
    w.line(0, "");
  }
}

/** Describe a node (non-terminated pods are given by the caller). */
export function describeNode(w: DescribeWriter, node: Node, pods: Pod[]): void {
  const st = node.status ?? {};
  w.line(0, `Name:\t${node.metadata.name}`);
  w.line(0, `Roles:\t${nodeRoles(node)}`);
  metaLines(w, node, { name: false });
  w.line(0, `CreationTimestamp:\t${describeTime(node.metadata.creationTimestamp)}`);
  const taints = node.spec?.taints ?? [];
  if (!taints.length) w.line(0, "Taints:\t<none>");
  else taints.forEach((t, i) => w.line(0, `${i === 0 ? "Taints:" : ""}\t${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`));
  w.line(0, `Unschedulable:\t${node.spec?.unschedulable ? "true" : "false"}`);
  conditionsTable(w, st.conditions as unknown as Record<string, unknown>[], ["Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"]);
  w.line(0, "Addresses:");
  for (const a of st.addresses ?? []) w.line(1, `${a.type}:\t${a.address}`);
  for (const [title, rl] of [["Capacity", st.capacity], ["Allocatable", st.allocatable]] as const) {
    if (!rl) continue;
    w.line(0, `${title}:`);
    for (const k of Object.keys(rl).sort()) w.line(1, `${k}:\t${rl[k]}`);
  }
  const info = st.nodeInfo ?? {};
  w.line(0, "System Info:");
  const infoRows: [string, string | undefined][] = [
    ["Machine ID", info.machineID],
    ["Kernel Version", info.kernelVersion],
    ["OS Image", info.osImage],
    ["Operating System", info.operatingSystem],
    ["Architecture", info.architecture],
    ["Container Runtime Version", info.containerRuntimeVersion],
    ["Kubelet Version", info.kubeletVersion],
  ];
  for (const [k, v] of infoRows) w.line(1, `${k}:\t${v ?? ""}`);
  describeNodeResources(w, node, pods);
}

/** Describe a namespace. */
export function describeNamespace(w: DescribeWriter, ns: Namespace): void {
  metaLines(w, ns, { namespace: false });
  w.line(0, `Status:\t${ns.status?.phase ?? "Active"}`);
  w.line(0, "");
  w.line(0, "No resource quota.");
  w.line(0, "");
  w.line(0, "No LimitRange resource.");
}

/** Describe a configmap: keys and values, as kubectl does. */
export function describeConfigMap(w: DescribeWriter, cm: ConfigMap): void {
  metaLines(w, cm);
  w.line(0, "");
  w.line(0, "Data");
  w.line(0, "====");
  for (const k of Object.keys(cm.data ?? {}).sort()) {
    w.line(0, `${k}:`);
    w.line(0, "----");
    w.line(0, (cm.data as Record<string, string>)[k].replace(/\n$/, ""));
    w.line(0, "");
  }
  w.line(0, "");
  w.line(0, "BinaryData");
  w.line(0, "====");
  for (const k of Object.keys(cm.binaryData ?? {}).sort()) w.line(0, `${k}: ${Buffer.from((cm.binaryData as Record<string, string>)[k], "base64").length} bytes`);
  w.line(0, "");
}

/** Describe a secret: sizes only, never values. */
export function describeSecret(w: DescribeWriter, s: Secret): void {
  metaLines(w, s);
  w.line(0, "");
  w.line(0, `Type:\t${s.type ?? "Opaque"}`);
  w.line(0, "");
  w.line(0, "Data");
  w.line(0, "====");
  for (const k of Object.keys(s.data ?? {}).sort()) {
    const bytes = Buffer.from((s.data as Record<string, string>)[k], "base64").length;
    w.line(0, `${k}:\t${bytes} bytes`);
  }
}

/** Any other kind: metadata and the spec as YAML-ish lines. */
export function describeGeneric(w: DescribeWriter, obj: KObject): void {
  metaLines(w, obj);
  w.line(0, `API Version:\t${obj.apiVersion}`);
  w.line(0, `Kind:\t${obj.kind}`);
}
