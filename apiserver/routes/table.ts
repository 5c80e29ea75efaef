/**
 * Server-side printing (`meta.k8s.io/v1` Table), which kubectl asks for with
 * `Accept: application/json;as=Table;...`: the same columns `kubectl get` shows against
 * Kubernetes (READY/STATUS/RESTARTS for pods, ...). Anything else gets Name + Age.
 */
import { podSummary } from "../../lib/pod-summary.js";
import type { KObject, Pod } from "../../lib/types.js";
import { since } from "../../lib/human-duration.js";
import type { StoredObject } from "../store/store.js";

interface Column {
  name: string;
  type: "string" | "integer" | "date";
  format?: string;
  priority: number;
}

type Cell = string | number;
type Printer = { columns: Column[]; cells: (o: KObject) => Cell[] };

const name: Column = { name: "Name", type: "string", format: "name", priority: 0 };
const age: Column = { name: "Age", type: "string", priority: 0 };
const col = (n: string, priority = 0, type: Column["type"] = "string"): Column => ({ name: n, type, priority });

function ageOf(o: KObject): string {
  return since(o.metadata.creationTimestamp);
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (typeof v === "object" && v !== null ? (v as Rec) : {});
const arr = (v: unknown): Rec[] => (Array.isArray(v) ? (v as Rec[]) : []);
const num = (v: unknown): number => (typeof v === "number" ? v : 0);

function containersOf(spec: Rec): { names: string; images: string } {
  const cs = arr(spec.containers);
  return { names: cs.map((c) => String(c.name)).join(","), images: cs.map((c) => String(c.image)).join(",") };
}

function selectorString(sel: unknown): string {
  const ml = rec(rec(sel).matchLabels);
  const parts = Object.entries(ml).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? parts.join(",") : "<none>";
}


const PRINTERS: Record<string, Printer> = {
  Pod: {
    // Restarts is a string, as in Kubernetes' own printer: "5 (2m ago)".
    columns: [name, col("Ready"), col("Status"), col("Restarts"), age, col("IP", 1), col("Node", 1)],
    cells: (o) => {
      const spec = rec(o.spec);
      const st = rec(o.status);
      // The same cells as kctl's own printer (kubectl's printPod: Init:1/2, CrashLoopBackOff, ...).
      const s = podSummary(o as Pod);
      return [o.metadata.name ?? "", s.ready, s.status, s.restarts, ageOf(o), String(st.podIP ?? "<none>"), String(spec.nodeName ?? "<none>")];
    },
  },
  Deployment: {
    columns: [name, col("Ready"), col("Up-to-date", 0, "integer"), col("Available", 0, "integer"), age, col("Containers", 1), col("Images", 1), col("Selector", 1)],
    cells: (o) => {
      const spec = rec(o.spec);
      const st = rec(o.status);
      const c = containersOf(rec(rec(spec.template).spec));
      return [o.metadata.name ?? "", `${num(st.readyReplicas)}/${num(spec.replicas)}`, num(st.updatedReplicas), num(st.availableReplicas), ageOf(o), c.names, c.images, selectorString(spec.selector)];
    },
  },
  ReplicaSet: {
    columns: [name, col("Desired", 0, "integer"), col("Current", 0, "integer"), col("Ready", 0, "integer"), age, col("Containers", 1), col("Images", 1), col("Selector", 1)],
    cells: (o) => {
      const spec = rec(o.spec);
      const st = rec(o.status);
      const c = containersOf(rec(rec(spec.template).spec));
      return [o.metadata.name ?? "", num(spec.replicas), num(st.replicas), num(st.readyReplicas), ageOf(o), c.names, c.images, selectorString(spec.selector)];
    },
  },
  Service: {
    columns: [name, col("Type"), col("Cluster-IP"), col("External-IP"), col("Port(s)"), age, col("Selector", 1)],
    cells: (o) => {
      const spec = rec(o.spec);
      const ports = arr(spec.ports).map((p) => `${num(p.port)}${p.nodePort ? `:${num(p.nodePort)}` : ""}/${String(p.protocol ?? "TCP")}`).join(",");
      const ext = arr(spec.externalIPs).join(",") || (spec.type === "LoadBalancer" ? "<pending>" : "<none>");
      const sel = Object.entries(rec(spec.selector)).map(([k, v]) => `${k}=${String(v)}`).join(",") || "<none>";
      return [o.metadata.name ?? "", String(spec.type ?? "ClusterIP"), String(spec.clusterIP ?? "<none>"), ext, ports || "<none>", ageOf(o), sel];
    },
  },
  Node: {
    columns: [name, col("Status"), col("Roles"), age, col("Version"), col("Internal-IP", 1)],
    cells: (o) => {
      const st = rec(o.status);
      const ready = arr(st.conditions).find((c) => c.type === "Ready");
      let status = ready?.status === "True" ? "Ready" : ready ? "NotReady" : "Unknown";
      if (rec(o.spec).unschedulable === true) status += ",SchedulingDisabled";
      const roles = Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith("node-role.kubernetes.io/")).map((k) => k.slice(24)).join(",") || "<none>";
      const ip = arr(st.addresses).find((a) => a.type === "InternalIP");
      return [o.metadata.name ?? "", status, roles, ageOf(o), String(rec(st.nodeInfo).kubeletVersion ?? ""), String(ip?.address ?? "<none>")];
    },
  },
  Namespace: {
    columns: [name, col("Status"), age],
    cells: (o) => [o.metadata.name ?? "", String(rec(o.status).phase ?? "Active"), ageOf(o)],
  },
  Endpoints: {
    columns: [name, col("Endpoints"), age],
    cells: (o) => {
      const eps: string[] = [];
      for (const s of arr(o.subsets)) for (const a of arr(s.addresses)) for (const p of arr(s.ports)) eps.push(`${String(a.ip)}:${num(p.port)}`);
      return [o.metadata.name ?? "", eps.length ? eps.slice(0, 3).join(",") + (eps.length > 3 ? ` + ${eps.length - 3} more...` : "") : "<none>", ageOf(o)];
    },
  },
  ConfigMap: {
    columns: [name, col("Data", 0, "integer"), age],
    cells: (o) => [o.metadata.name ?? "", Object.keys(rec(o.data)).length + Object.keys(rec(o.binaryData)).length, ageOf(o)],
  },
  Secret: {
    columns: [name, col("Type"), col("Data", 0, "integer"), age],
    cells: (o) => [o.metadata.name ?? "", String(o.type ?? "Opaque"), Object.keys(rec(o.data)).length, ageOf(o)],
  },
  Event: {
    columns: [col("Last Seen"), col("Type"), col("Reason"), col("Object"), col("Message"), name],
    cells: (o) => {
      const io = rec(o.involvedObject);
      const last = String(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp ?? "");
      return [since(last), String(o.type ?? ""), String(o.reason ?? ""), `${String(io.kind ?? "").toLowerCase()}/${String(io.name ?? "")}`, String(o.message ?? ""), o.metadata.name ?? ""];
    },
  },
  Lease: {
    columns: [name, col("Holder"), age],
    cells: (o) => [o.metadata.name ?? "", String(rec(o.spec).holderIdentity ?? ""), ageOf(o)],
  },
};

const DEFAULT_PRINTER: Printer = { columns: [name, age], cells: (o) => [o.metadata.name ?? "", ageOf(o)] };

/** Whether the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes("as=Table");
}

export const TABLE_CONTENT_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io";

export type IncludeObject = "None" | "Metadata" | "Object";

function rowJson(kind: string, obj: KObject, json: string, include: IncludeObject): string {
  const p = PRINTERS[kind] ?? DEFAULT_PRINTER;
  let object = "";
  if (include === "Object") object = `,"object":${json}`;
  else if (include === "Metadata") object = `,"object":${JSON.stringify({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata })}`;
  return `{"cells":${JSON.stringify(p.cells(obj))}${object}}`;
}

/** A Table of the given objects. */
export function tableJson(kind: string, items: readonly Pick<StoredObject, "json" | "object">[], meta: string, include: IncludeObject): string {
  const p = PRINTERS[kind] ?? DEFAULT_PRINTER;
  const cols = JSON.stringify(p.columns.map((c) => ({ ...c, format: c.format ?? "", description: "" })));
  const rows = items.map((i) => rowJson(kind, i.object(), i.json, include)).join(",");
  return `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":${meta},"columnDefinitions":${cols},"rows":[${rows}]}`;
}

/** The `includeObject` query parameter (default Metadata, as Kubernetes). */
export function parseIncludeObject(v: string | undefined): IncludeObject {
  return v === "None" || v === "Object" ? v : "Metadata";
}
