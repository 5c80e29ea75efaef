/**
 * `kctl explain TYPE[.field.path] [--recursive] [--api-version G/V]`, as kubectl 1.27+: read the
 * server's OpenAPI v3 document of the kind's group-version and print kubectl's plaintext layout
 * (cli/explain/render.ts).
 */
import type { Command } from "commander";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";

interface ExplainFlags {
  recursive?: boolean;
  apiVersion?: string;
  output?: string;
}

async function run(ctx: CliContext, arg: string | undefined, flags: ExplainFlags): Promise<void> {
  if (!arg) throw new UserError("You must specify the type of resource to explain. Use \"kctl api-resources\" for a complete list of supported resources.");
  if (flags.output !== undefined && flags.output !== "plaintext") throw new UserError(`unsupported output format "${flags.output}": use plaintext`);
  // TYPE may itself be dotted (deployments.apps): kubectl tries the longest resource name first
  // (deployments.apps.spec, deployments.v1.apps.spec)
  const parts = arg.split(".");
  const { resolveType } = await import("../resource-args.js");
  const typeOf = (n: number): ReturnType<typeof resolveType> | undefined => {
    try {
      return resolveType(parts.slice(0, n).join("."));
    } catch {
      return undefined;
    }
  };
  let split = parts.length;
  while (split > 1 && !typeOf(split)) split--;
  const resource = typeOf(split) ?? resolveType(parts[0]);
  const path = parts.slice(split).filter(Boolean);
  let group = resource.group;
  let version = resource.version;
  if (flags.apiVersion) {
    const slash = flags.apiVersion.lastIndexOf("/");
    group = slash >= 0 ? flags.apiVersion.slice(0, slash) : "";
    version = slash >= 0 ? flags.apiVersion.slice(slash + 1) : flags.apiVersion;
  }
  const client = await ctx.client();
  const { fetchGroupVersionDocument, SchemaIndex } = await import("../explain/schema.js");
  const notServed = (): UserError => new UserError(`couldn't find resource for "${group}/${version}, Resource=${resource.plural}"`);
  const doc = await fetchGroupVersionDocument(client, group, version);
  if (!doc) throw notServed();
  const index = new SchemaIndex(doc);
  const found = index.kindSchema(group, version, resource.kind);
  if (!found) throw notServed();
  let schema = found.schema;
  for (const field of path) {
    const owner = index.fieldsOf(schema);
    const next = owner?.properties?.[field];
    if (!next) throw new UserError(`field "${field}" does not exist`);
    schema = next;
  }
  const { renderExplain } = await import("../explain/render.js");
  ctx.out.write(renderExplain(index, { group, kind: resource.kind, version, field: path.at(-1), schema }, flags.recursive === true));
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("explain")
      .description("Describe the fields of a kind from the server's OpenAPI schema (kctl explain deploy.spec.strategy)")
      .argument("[type.field]", "TYPE or TYPE.field.path")
      .option("--recursive", "list the fields of fields, without descriptions")
      .option("--api-version <group/version>", "explain the kind in this group-version")
      .option("-o, --output <format>", "plaintext (the default)")
      .action(guarded((arg: string | undefined, flags: ExplainFlags) => run(ctx, arg, flags)));
  },
};
