/** `kctl describe TYPE [NAME...]`: the human summary of objects, with their events. */
import { isNotFound } from "../../lib/errors.js";
import type { KObject } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { errorMessage, guarded } from "../errors-output.js";
import { listAll, scopeNamespace } from "../list.js";
import { parseResourceArgs } from "../resource-args.js";

interface DescribeFlags {
  selector?: string;
  allNamespaces?: boolean;
}

async function run(ctx: CliContext, args: string[], o: DescribeFlags): Promise<void> {
  const requests = parseResourceArgs(args);
  const client = await ctx.client();
  const { describeObject } = await import("../describe/index.js");
  const ns = ctx.namespace();
  const texts: string[] = [];
  let missing = 0;
  for (const req of requests) {
    let objs: KObject[] = [];
    if (req.names.length) {
      for (const name of req.names) {
        try {
          objs.push(await client.get(req.resource.kind, name, req.resource.namespaced ? ns : undefined));
        } catch (e) {
          if (!isNotFound(e)) throw e;
          ctx.err.write(`Error from server (NotFound): ${errorMessage(e)}\n`);
          missing++;
        }
      }
    } else {
      const list = await listAll(client, req.resource, { namespace: scopeNamespace(req.resource, ns, !!o.allNamespaces), labelSelector: o.selector });
      objs = list.items;
    }
    for (const obj of objs) texts.push(await describeObject(client, req.resource, { ...obj, kind: obj.kind || req.resource.kind }));
  }
  if (texts.length) ctx.out.write(`${texts.join("\n\n")}\n`);
  else if (!missing) ctx.err.write(`No resources found in ${ns} namespace.\n`);
  if (missing) process.exitCode = 1;
}

export const command: CommandModule = {
  register(program, ctx) {
    program
      .command("describe")
      .description("Show details of objects and their events (kctl describe pod web-1)")
      .argument("<type-and-names...>", "TYPE [NAME...] or TYPE/NAME...")
      .option("-l, --selector <selector>", "describe the objects matching this label selector")
      .option("-A, --all-namespaces", "across all namespaces")
      .action(guarded((args: string[], o: DescribeFlags) => run(ctx, args, o)));
  },
};
