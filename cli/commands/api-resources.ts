/** `kctl api-resources`: the resource types the server serves, from discovery (/api/v1 and /apis). */
import type { CliContext, CommandModule } from "../command.js";
import { guarded } from "../errors-output.js";

interface APIResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
}
interface APIResourceList {
  groupVersion: string;
  resources: APIResource[];
}
interface APIGroupList {
  groups: { name: string; preferredVersion?: { groupVersion: string }; versions: { groupVersion: string }[] }[];
}

interface Flags {
  namespaced?: string;
  output?: string;
  noHeaders?: boolean;
  headers: boolean;
}

async function run(ctx: CliContext, o: Flags): Promise<void> {
  const client = await ctx.client();
  const lists: APIResourceList[] = [await client.request<APIResourceList>("GET", "/api/v1")];
  const groups = await client.request<APIGroupList>("GET", "/apis");
  for (const g of groups.groups ?? []) {
    const gv = g.preferredVersion?.groupVersion ?? g.versions[0]?.groupVersion;
    if (gv) lists.push(await client.request<APIResourceList>("GET", `/apis/${gv}`));
  }
  const rows: string[][] = [];
  for (const l of lists) {
    for (const r of l.resources ?? []) {
      if (r.name.includes("/")) continue;
      if (o.namespaced !== undefined && String(r.namespaced) !== o.namespaced) continue;
      rows.push([r.name, (r.shortNames ?? []).join(","), l.groupVersion, String(r.namespaced), r.kind]);
    }
  }
  rows.sort((a, b) => (a[2].includes("/") ? 1 : 0) - (b[2].includes("/") ? 1 : 0) || a[2].localeCompare(b[2]) || a[0].localeCompare(b[0]));
  if (o.output === "name") {
    for (const r of rows) ctx.out.write(`${r[2].includes("/") ? `${r[0]}.${r[2].split("/")[0]}` : r[0]}\n`);
    return;
  }
  const { formatTable } = await import("../printers/table.js");
  const header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"];
  ctx.out.write(formatTable(o.headers ? [header, ...rows] : rows));
}

export const command: CommandModule = {
  register(program, ctx) {
    program
      .command("api-resources")
      .description("Print the resource types the server supports (from discovery)")
      .option("--namespaced <bool>", "true: only namespaced types; false: only cluster-scoped")
      .option("-o, --output <format>", "name: print only the resource names")
      .option("--no-headers", "do not print the table header")
      .action(guarded((o: Flags) => run(ctx, o)));
  },
};
