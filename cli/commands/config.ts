/** `kctl config view|current-context|get-contexts|use-context|set-context`: read and edit the kubeconfig. */
import type { Command } from "commander";
import type { Kubeconfig } from "../../lib/kubeconfig.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { loadKubeconfig, tildify } from "../config-resolve.js";

function load(ctx: CliContext): Kubeconfig {
  const file = ctx.kubeconfigPath();
  const kc = loadKubeconfig(file);
  if (!kc) throw new UserError(`no configuration: run kctl server or pass --server/--token (looked in ${tildify(file)})`);
  return kc;
}

async function save(ctx: CliContext, kc: Kubeconfig): Promise<void> {
  const { writeKubeconfig } = await import("../../lib/kubeconfig.js");
  writeKubeconfig(ctx.kubeconfigPath(), kc);
}

/** The config with secrets hidden (`REDACTED`, `DATA+OMITTED`) as kubectl shows it. */
function redact(kc: Kubeconfig): Kubeconfig {
  return {
    ...kc,
    clusters: kc.clusters.map((c) => ({
      ...c,
      cluster: { ...c.cluster, ...(c.cluster["certificate-authority-data"] ? { "certificate-authority-data": "DATA+OMITTED" } : {}) },
    })),
    users: kc.users.map((u) => ({ ...u, user: { ...u.user, ...(u.user.token ? { token: "REDACTED" } : {}) } })),
  };
}

function minify(kc: Kubeconfig, contextName?: string): Kubeconfig {
  const name = contextName ?? kc["current-context"];
  const ctx = kc.contexts.find((c) => c.name === name);
  if (!ctx) throw new UserError(`current-context must exist in order to minify`);
  return {
    ...kc,
    "current-context": name,
    contexts: [ctx],
    clusters: kc.clusters.filter((c) => c.name === ctx.context.cluster),
    users: kc.users.filter((u) => u.name === ctx.context.user),
  };
}

function registerConfig(program: Command, ctx: CliContext): void {
  const config = program.command("config").description("Read and modify kubeconfig files (view, current-context, get-contexts, use-context, set-context)");

  config
    .command("view")
    .description("Show the kubeconfig (tokens and CA data hidden unless --raw)")
    .option("--raw", "show tokens and certificate data")
    .option("--minify", "only the current context's cluster, user and context")
    .option("-o, --output <format>", "yaml (default) or json")
    .action(
      guarded(async (o: { raw?: boolean; minify?: boolean; output?: string }) => {
        let kc = load(ctx);
        if (o.minify) kc = minify(kc, ctx.globals().context);
        if (!o.raw) kc = redact(kc);
        if (o.output === "json") ctx.out.write(`${JSON.stringify(kc, null, 4)}\n`);
        else {
          const { default: YAML } = await import("yaml");
          ctx.out.write(YAML.stringify(kc, { lineWidth: 0, indentSeq: false }));
        }
      }),
    );

  config
    .command("current-context")
    .description("Print the current context's name")
    .action(
      guarded(() => {
        const kc = load(ctx);
        if (!kc["current-context"]) throw new UserError("current-context is not set");
        ctx.out.write(`${kc["current-context"]}\n`);
      }),
    );

  config
    .command("get-contexts")
    .description("List the contexts (* marks the current one)")
    .argument("[name]", "only this context")
    .option("-o, --output <format>", "name: print only the names")
    .option("--no-headers", "do not print the table header")
    .action(
      guarded(async (name: string | undefined, o: { output?: string; headers: boolean }) => {
        const kc = load(ctx);
        const list = kc.contexts.filter((c) => !name || c.name === name);
        if (name && list.length === 0) throw new UserError(`context ${name} not found`);
        if (o.output === "name") {
          for (const c of list) ctx.out.write(`${c.name}\n`);
          return;
        }
        const { formatTable } = await import("../printers/table.js");
        const rows = list.map((c) => [c.name === kc["current-context"] ? "*" : "", c.name, c.context.cluster, c.context.user, c.context.namespace ?? ""]);
        ctx.out.write(formatTable(o.headers ? [["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"], ...rows] : rows));
      }),
    );

  config
    .command("use-context")
    .description("Make a context the current one")
    .argument("<name>", "context name")
    .action(
      guarded(async (name: string) => {
        const kc = load(ctx);
        if (!kc.contexts.some((c) => c.name === name)) throw new UserError(`no context exists with the name: "${name}"`);
        kc["current-context"] = name;
        await save(ctx, kc);
        ctx.out.write(`Switched to context "${name}".\n`);
      }),
    );

  config
    .command("set-context")
    .description("Create or modify a context (kctl config set-context --current --namespace=dev)")
    .argument("[name]", "context name (or --current)")
    .option("--current", "modify the current context")
    .option("--cluster <cluster>", "cluster for the context")
    .option("--user <user>", "user for the context")
    .addHelpText("after", "\nThe global -n/--namespace flag sets the context's namespace.")
    .action(
      guarded(async (name: string | undefined, o: { current?: boolean; cluster?: string; user?: string }) => {
        const kc = load(ctx);
        const target = o.current ? kc["current-context"] : name;
        if (!target) throw new UserError("you must specify a context name or --current");
        if (o.current && name) throw new UserError("you cannot specify both a context name and --current");
        let entry = kc.contexts.find((c) => c.name === target);
        const created = !entry;
        if (!entry) {
          entry = { name: target, context: { cluster: "", user: "" } };
          kc.contexts.push(entry);
        }
        if (o.cluster !== undefined) entry.context.cluster = o.cluster;
        if (o.user !== undefined) entry.context.user = o.user;
        const ns = ctx.globals().namespace;
        if (ns !== undefined) entry.context.namespace = ns;
        await save(ctx, kc);
        ctx.out.write(`Context "${target}" ${created ? "created" : "modified"}.\n`);
      }),
    );
}

export const command: CommandModule = { register: registerConfig };
