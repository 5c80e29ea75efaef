/**
 * `-o` handling shared by get (and others): parse the flag once, then print groups of objects
 * (one group per resource type) as a table, json, yaml, name, jsonpath or custom-columns.
 */
import { displayType, groupVersion, type ResourceInfo } from "../../lib/kinds.js";
import type { KObject } from "../../lib/types.js";
import { UserError } from "../errors-output.js";
import { columnsFor } from "./columns/index.js";
import { customColumnRows, parseCustomColumns, type CustomColumn } from "./custom-columns.js";
import { asList, toJson } from "./json.js";
import { compileJsonPath } from "./jsonpath.js";
import { formatLabels } from "./labels.js";
import { TableWriter } from "./table.js";

export type OutputFormat =
  | { kind: "table"; wide: boolean }
  | { kind: "json" }
  | { kind: "yaml"; toYaml?: (v: unknown) => string }
  | { kind: "name" }
  | { kind: "jsonpath"; render: (data: unknown) => string }
  | { kind: "custom-columns"; columns: CustomColumn[] };

/** Parse `-o` and load what its printer needs (the YAML library only for `-o yaml`). */
export async function loadOutputFormat(o: string | undefined): Promise<OutputFormat> {
  const fmt = parseOutputFlag(o);
  if (fmt.kind === "yaml") fmt.toYaml = (await import("./yaml.js")).toYaml;
  return fmt;
}

/** Parse `-o` (undefined = the default table). Throws a UserError for unknown formats. */
export function parseOutputFlag(o: string | undefined): OutputFormat {
  if (o === undefined || o === "") return { kind: "table", wide: false };
  if (o === "wide") return { kind: "table", wide: true };
  if (o === "json" || o === "yaml" || o === "name") return { kind: o };
  const eq = o.indexOf("=");
  const name = eq >= 0 ? o.slice(0, eq) : o;
  const arg = eq >= 0 ? o.slice(eq + 1) : "";
  if (name === "jsonpath") {
    if (!arg) throw new UserError("template format specified but no template given");
    return { kind: "jsonpath", render: compileJsonPath(arg) };
  }
  if (name === "custom-columns") return { kind: "custom-columns", columns: parseCustomColumns(arg) };
  throw new UserError(
    `unable to match a printer suitable for the output format "${o}", allowed formats are: custom-columns,json,jsonpath,name,wide,yaml`,
  );
}

/** Table options. */
export interface TableOptions {
  wide: boolean;
  noHeaders: boolean;
  showLabels: boolean;
  /** add a NAMESPACE column first (`-A`) */
  withNamespace: boolean;
  /** prefix names with `pod/` (several types printed together) */
  withKind: boolean;
  /** `-L key`: one extra column per label key */
  labelColumns: string[];
  now: number;
  /** keep metadata.managedFields in json/yaml/jsonpath output (`--show-managed-fields`; kubectl hides them) */
  showManagedFields?: boolean;
}

/** Header + rows for one resource type. */
export function tableRows(objs: KObject[], r: ResourceInfo, o: TableOptions, includeHeader = !o.noHeaders): string[][] {
  const cols = columnsFor(r.kind);
  const rows: string[][] = [];
  if (includeHeader) {
    const h = [...cols.headers, ...(o.wide ? cols.wide : []), ...o.labelColumns.map((l) => l.split("/").pop()!.toUpperCase())];
    if (o.showLabels) h.push("LABELS");
    if (o.withNamespace && r.namespaced) h.unshift("NAMESPACE");
    rows.push(h);
  }
  for (const obj of objs) {
    const cells = cols.row(obj, o.now, o.wide);
    if (o.withKind && cols.headers[0] === "NAME") cells[0] = `${displayType(r)}/${cells[0]}`;
    for (const l of o.labelColumns) cells.push(obj.metadata.labels?.[l] ?? "");
    if (o.showLabels) cells.push(formatLabels(obj.metadata.labels));
    if (o.withNamespace && r.namespaced) cells.unshift(obj.metadata.namespace ?? "");
    rows.push(cells);
  }
  return rows;
}

/** One group of objects of one resource type. */
export interface ObjectGroup {
  resource: ResourceInfo;
  objects: KObject[];
}

/** Fill in apiVersion/kind on list items (the server omits them inside lists). */
export function withTypeMeta(obj: KObject, r: ResourceInfo): KObject {
  if (obj.apiVersion && obj.kind) return obj;
  return { ...obj, apiVersion: obj.apiVersion || groupVersion(r), kind: obj.kind || r.kind };
}

/** The object without metadata.managedFields (a copy only when it has them). */
export function withoutManagedFields(obj: KObject): KObject {
  if (!obj.metadata || !("managedFields" in obj.metadata)) return obj;
  const { managedFields: _m, ...metadata } = obj.metadata as KObject["metadata"] & { managedFields?: unknown };
  return { ...obj, metadata };
}

/**
 * Print groups. `single` means exactly one object was asked for by name, so json/yaml print it
 * bare instead of wrapped in a List.
 */
export function formatGroups(groups: ObjectGroup[], fmt: OutputFormat, o: TableOptions, single: boolean, writer = new TableWriter()): string {
  const all = groups.flatMap((g) => g.objects.map((obj) => withTypeMeta(o.showManagedFields ? obj : withoutManagedFields(obj), g.resource)));
  switch (fmt.kind) {
    case "json":
      return toJson(single && all.length === 1 ? all[0] : asList(all));
    case "yaml":
      if (!fmt.toYaml) throw new Error("internal: the YAML printer was not loaded (use loadOutputFormat)");
      return fmt.toYaml(single && all.length === 1 ? all[0] : asList(all));
    case "name":
      return groups.flatMap((g) => g.objects.map((obj) => `${displayType(g.resource)}/${obj.metadata.name}\n`)).join("");
    case "jsonpath":
      return fmt.render(single && all.length === 1 ? all[0] : asList(all));
    case "custom-columns":
      return writer.format(customColumnRows(all, fmt.columns, o.noHeaders));
    case "table": {
      const parts: string[] = [];
      for (const g of groups) {
        if (g.objects.length === 0) continue;
        // each type gets its own alignment, as kubectl prints separate tables
        parts.push((groups.length > 1 ? new TableWriter() : writer).format(tableRows(g.objects, g.resource, { ...o, wide: fmt.kind === "table" && fmt.wide })));
      }
      return parts.join("\n");
    }
  }
}
