/**
 * Server-side printing (`meta.k8s.io/v1` Table), which kubectl asks for with
 * `Accept: application/json;as=Table;...`: the same columns `kubectl get` shows against
 * Kubernetes (READY/STATUS/RESTARTS for pods, ...), declared by each kind's strategy
 * (`printer`). Anything else gets Name + Age.
 */
import type { KObject } from "../../lib/types.js";
import type { StoredObject } from "../store/store.js";
import { strategyFor } from "../strategies/index.js";
import { nameAgePrinter, type Printer } from "../../lib/printers/printer.js";

const printerOf = (kind: string): Printer => strategyFor(kind).printer ?? nameAgePrinter;

/** Whether the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes("as=Table");
}

export const TABLE_CONTENT_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io";

export type IncludeObject = "None" | "Metadata" | "Object";

function rowJson(kind: string, obj: KObject, json: string, include: IncludeObject): string {
  const p = printerOf(kind);
  let object = "";
  if (include === "Object") object = `,"object":${json}`;
  else if (include === "Metadata") object = `,"object":${JSON.stringify({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata })}`;
  return `{"cells":${JSON.stringify(p.cells(obj))}${object}}`;
}

/** A Table of the given objects. */
export function tableJson(kind: string, items: readonly Pick<StoredObject, "json" | "object">[], meta: string, include: IncludeObject): string {
  const p = printerOf(kind);
  const cols = JSON.stringify(p.columns.map((c) => ({ ...c, format: c.format ?? "", description: "" })));
  const rows = items.map((i) => rowJson(kind, i.object(), i.json, include)).join(",");
  return `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":${meta},"columnDefinitions":${cols},"rows":[${rows}]}`;
}

/** The `includeObject` query parameter (default Metadata, as Kubernetes). */
export function parseIncludeObject(v: string | undefined): IncludeObject {
  return v === "None" || v === "Object" ? v : "Metadata";
}
