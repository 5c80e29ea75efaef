/** `kctl get`: list or fetch objects and print them (table, wide, json, yaml, name, jsonpath, custom-columns), optionally watching. */
import type { Command } from "commander";
import type { ApiClient } from "../../lib/client.js";
import { ApiError, isNotFound } from "../../lib/errors.js";
import type { ResourceInfo } from "../../lib/kinds.js";
import type { KObject } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { errorMessage, guarded } from "../errors-output.js";
import { listAll, scopeNamespace } from "../list.js";
import { formatGroups, loadOutputFormat, type ObjectGroup, type OutputFormat, type TableOptions } from "../printers/output.js";
import { sortObjects } from "../printers/sort.js";
import { TableWriter } from "../printers/table.js";
import { parseResourceArgs } from "../resource-args.js";
import { repeatableList } from "../flags.js";

interface GetOptions {
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  output?: string;
  showLabels?: boolean;
  labelColumns?: string[];
  sortBy?: string;
  watch?: boolean;
  watchOnly?: boolean;
  headers: boolean;
  showManagedFields?: boolean;
}

/** `No resources found in default namespace.` / `No resources found` */
function noResourcesMessage(groups: ObjectGroup[], ns: string, all: boolean): string {
  const namespaced = groups.some((g) => g.resource.namespaced);
  return namespaced && !all ? `No resources found in ${ns} namespace.\n` : "No resources found\n";
}

async function fetchGroups(client: ApiClient, ctx: CliContext, args: string[], o: GetOptions): Promise<{ groups: ObjectGroup[]; errors: string[]; single: boolean; rv: Map<ResourceInfo, string> }> {
  const requests = parseResourceArgs(args);
  const ns = ctx.namespace();
  const groups: ObjectGroup[] = [];
  const errors: string[] = [];
  const rv = new Map<ResourceInfo, string>();
  let single = false;
  for (const req of requests) {
    const scope = scopeNamespace(req.resource, ns, !!o.allNamespaces);
    if (req.names.length) {
      single = requests.length === 1 && req.names.length === 1;
      const objs: KObject[] = [];
      for (const name of req.names) {
        try {
          objs.push(await client.get(req.resource.kind, name, req.resource.namespaced ? ns : undefined));
        } catch (e) {
          if (!isNotFound(e)) throw e;
          errors.push(errorMessage(e));
        }
      }
      groups.push({ resource: req.resource, objects: objs });
    } else {
      const list = await listAll(client, req.resource, { namespace: scope, labelSelector: o.selector, fieldSelector: o.fieldSelector });
      rv.set(req.resource, list.metadata?.resourceVersion ?? "");
      groups.push({ resource: req.resource, objects: list.items });
    }
  }
  if (o.sortBy) for (const g of groups) g.objects = sortObjects(g.objects, o.sortBy);
  return { groups, errors, single, rv };
}

function tableOptions(o: GetOptions, groups: ObjectGroup[], fmt: OutputFormat): TableOptions {
  return {
    wide: fmt.kind === "table" && fmt.wide,
    noHeaders: !o.headers,
    showLabels: !!o.showLabels,
    withNamespace: !!o.allNamespaces,
    withKind: groups.length > 1,
    labelColumns: o.labelColumns ?? [],
    now: Date.now(),
    showManagedFields: !!o.showManagedFields,
  };
}

/** Back-off between reconnects while the server is away: 0.5 s doubling to 8 s. */
const RESUME_BACKOFF_MS = [500, 1_000, 2_000, 4_000, 8_000];

/**
 * Print events as they arrive until the process is interrupted. A dropped stream (server
 * restart, network) resumes from the last resourceVersion shown, with growing back-off while
 * the server is away; a resourceVersion the server no longer has (410) relists and prints only
 * objects that are new or changed since shown. Each interruption is one line on stderr.
 */
async function watchGroups(
  client: ApiClient,
  ctx: CliContext,
  args: string[],
  o: GetOptions,
  fmt: OutputFormat,
  groups: ObjectGroup[],
  rv: Map<ResourceInfo, string>,
  writer: TableWriter,
  headerPrinted: boolean,
): Promise<void> {
  const requests = parseResourceArgs(args);
  if (requests.length !== 1) throw new Error("you may only specify a single resource type with --watch");
  const { resource, names } = requests[0];
  const ns = ctx.namespace();
  const namespace = scopeNamespace(resource, ns, !!o.allNamespaces);
  let fieldSelector = o.fieldSelector;
  if (names.length === 1) fieldSelector = [`metadata.name=${names[0]}`, fieldSelector].filter(Boolean).join(",");
  const listOpts = { namespace, labelSelector: o.selector, fieldSelector };
  /** the resourceVersion of every object shown, by namespace/name: a relist prints only what changed */
  const shown = new Map<string, string>();
  const keyOf = (obj: KObject): string => `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
  for (const g of groups) for (const obj of g.objects) shown.set(keyOf(obj), obj.metadata.resourceVersion ?? "");
  let resourceVersion = rv.get(resource) ?? "";
  if (!resourceVersion) resourceVersion = (await listAll(client, resource, listOpts)).metadata?.resourceVersion ?? "";
  let needHeader = !headerPrinted && o.headers;
  const show = (obj: KObject): void => {
    if (names.length > 1 && !names.includes(obj.metadata.name ?? "")) return;
    shown.set(keyOf(obj), obj.metadata.resourceVersion ?? "");
    const tOpts = { ...tableOptions(o, groups, fmt), withKind: false, noHeaders: !needHeader };
    needHeader = false;
    ctx.out.write(formatGroups([{ resource, objects: [obj] }], fmt, tOpts, true, writer));
  };
  let current: { stop(): void } | undefined;
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    process.once(signal, () => {
      current?.stop();
      process.exit(code);
    });
  }
  let failures = 0;
  let relist = false;
  for (;;) {
    try {
      if (relist) {
        const list = await listAll(client, resource, listOpts);
        for (const obj of list.items) if (shown.get(keyOf(obj)) !== obj.metadata.resourceVersion) show(obj);
        resourceVersion = list.metadata?.resourceVersion ?? "";
        relist = false;
      }
      let expired: string | undefined;
      let fatal: ApiError | undefined;
      const handle = client.watch(resource.kind, { ...listOpts, resourceVersion, allowWatchBookmarks: true }, (ev) => {
        failures = 0;
        if (ev.type === "ERROR") {
          const st = ev.object as { code?: number; message?: string };
          if (st.code === 410) expired = st.message ?? "too old resource version";
          else fatal = new ApiError("BadRequest", st.message ?? "watch error", undefined, st.code);
          handle.stop();
          return;
        }
        if (ev.object?.metadata?.resourceVersion) resourceVersion = ev.object.metadata.resourceVersion;
        if (ev.type !== "BOOKMARK") show(ev.object);
      });
      current = handle;
      await handle.done; // a clean close (server timeout or restart) re-watches from the last version
      if (fatal) throw fatal;
      if (expired !== undefined) {
        ctx.err.write(`kctl: watch expired (${expired}); relisting\n`);
        relist = true;
      }
    } catch (e) {
      // Refusals (401, 403, 404, a bad selector) end the watch; an unreachable or restarting server does not.
      if (e instanceof ApiError && e.code < 500) throw e;
      const wait = RESUME_BACKOFF_MS[Math.min(failures, RESUME_BACKOFF_MS.length - 1)]!;
      failures++;
      const why = e instanceof Error ? e.message : String(e);
      ctx.err.write(`kctl: watch interrupted (${why}); ${relist ? "relisting" : `resuming from resourceVersion ${resourceVersion}`} in ${wait / 1000}s\n`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

async function run(ctx: CliContext, args: string[], o: GetOptions): Promise<void> {
  const fmt = await loadOutputFormat(o.output);
  const client = await ctx.client();
  const { groups, errors, single, rv } = await fetchGroups(client, ctx, args, o);
  const writer = new TableWriter();
  const total = groups.reduce((n, g) => n + g.objects.length, 0);
  let headerPrinted = false;
  const tabular = fmt.kind === "table" || fmt.kind === "custom-columns" || fmt.kind === "name";
  if (!o.watchOnly) {
    if (total > 0 || (!tabular && !o.watch && errors.length === 0)) {
      ctx.out.write(formatGroups(groups, fmt, tableOptions(o, groups, fmt), single, writer));
      headerPrinted = total > 0;
    } else if (total === 0 && errors.length === 0 && tabular) {
      ctx.err.write(noResourcesMessage(groups, ctx.namespace(), !!o.allNamespaces));
    }
  }
  for (const e of errors) ctx.err.write(`Error from server (NotFound): ${e}\n`);
  if (errors.length) process.exitCode = 1;
  if (o.watch || o.watchOnly) await watchGroups(client, ctx, args, o, fmt, groups, rv, writer, headerPrinted);
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("get")
      .description("Display one or many resources (e.g. kctl get pods, kctl get deploy web -o yaml)")
      .argument("[type-and-names...]", "TYPE [NAME...], TYPE/NAME..., or TYPE1,TYPE2 (pods, po, deploy, svc, rs, no, ns, ep, ev, cm, secret, all)")
      .option("-A, --all-namespaces", "list the requested objects across all namespaces")
      .option("-l, --selector <selector>", "label selector to filter on (e.g. app=web,tier!=db)")
      .option("--field-selector <selector>", "field selector to filter on (e.g. status.phase=Running,spec.nodeName=n1)")
      .option("-o, --output <format>", "json|yaml|name|wide|jsonpath=TEMPLATE|custom-columns=SPEC")
      .option("--show-labels", "show all labels as the last column")
      .option("-L, --label-columns <keys>", "show these label keys as columns (comma-separated, repeatable)", repeatableList)
      .option("--sort-by <jsonpath>", "sort list output by this field (e.g. .metadata.name)")
      .option("-w, --watch", "after listing, watch for changes and print them until interrupted")
      .option("--watch-only", "watch for changes without listing first")
      .option("--no-headers", "do not print the table header")
      .option("--show-managed-fields", "keep metadata.managedFields in json and yaml output")
      .action(guarded((args: string[], o: GetOptions) => run(ctx, args, o)));
  },
};
