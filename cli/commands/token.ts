/**
 * `kctl token`: join tokens for nodes and bearer tokens for people (cluster admins only).
 *
 *   kctl token create [--ttl 24h] [--description D]                 a join token: K10<CA hash>::<id>.<secret>
 *   kctl token create --kind server                                 a server join token (kctl server --join)
 *   kctl token create --role view|edit|admin [--namespace NS] [--ttl 720h] [--kubeconfig-out FILE]
 *   kctl token list                                                 ids, kinds, roles, expiry (never secrets)
 *   kctl token revoke ID                                            a join token or a user/node token by id
 *
 * The server stores only hashes: a token is shown once, here.
 */
import type { Command } from "commander";
import type { ApiClient } from "../../lib/client.js";
import { isNotFound } from "../../lib/errors.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";

const GROUP = "/apis/kctl.io/v1";

interface CreateFlags {
  ttl?: string;
  description?: string;
  role?: string;
  namespace?: string;
  name?: string;
  kubeconfigOut?: string;
  kind?: string;
}

interface Listed {
  id: string;
  kind?: string;
  role?: string;
  name?: string;
  namespace?: string;
  description: string;
  created: string;
  expires?: string;
}

async function ttlSeconds(ttl: string | undefined): Promise<number | undefined> {
  if (ttl === undefined || ttl === "0" || ttl === "0s") return undefined;
  const { parseDuration } = await import("../../lib/duration.js");
  try {
    return parseDuration(ttl, "--ttl") / 1000;
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

async function create(ctx: CliContext, f: CreateFlags): Promise<void> {
  // --namespace/-n is the global flag: only an explicit one limits the token.
  const flags = { ...f, namespace: ctx.globals().namespace || undefined };
  const client = await ctx.client();
  const ttl = await ttlSeconds(flags.ttl);
  if (!flags.role) {
    if (flags.namespace || flags.kubeconfigOut) throw new UserError("--namespace and --kubeconfig-out go with --role (a user token)");
    const kind = flags.kind ?? "node";
    if (kind !== "node" && kind !== "server") throw new UserError(`--kind must be node or server (not "${kind}")`);
    const t = await client.request<{ token: string; id: string; expires?: string }>("POST", `${GROUP}/jointokens`, { body: { ttlSeconds: ttl, description: flags.description, tokenKind: kind } });
    ctx.out.write(`${t.token}\n`);
    const use = kind === "server" ? `kctl server --join ${client.server} --token <the token above> --datastore-endpoint <the cluster's etcd>` : `kctl agent --server ${client.server} --token <the token above>`;
    ctx.err.write(`${kind === "server" ? "server join" : "join"} token ${t.id} created${t.expires ? `, expires ${t.expires}` : ", no expiry"}: ${use}\n`);
    return;
  }
  if (flags.kind) throw new UserError("--kind goes with a join token, not with --role");
  if (!["view", "edit", "admin"].includes(flags.role)) throw new UserError(`--role must be view, edit or admin (not "${flags.role}")`);
  const t = await client.request<{ token: string; id: string; expires?: string }>("POST", `${GROUP}/usertokens`, {
    body: { role: flags.role, namespace: flags.namespace, name: flags.name, ttlSeconds: ttl, description: flags.description },
  });
  if (flags.kubeconfigOut) {
    await writeUserKubeconfig(ctx, client, flags.kubeconfigOut, t.token, flags.namespace);
    ctx.out.write(`kubeconfig for a ${flags.role} token (${t.id}) written to ${flags.kubeconfigOut}\n`);
  } else {
    ctx.out.write(`${t.token}\n`);
  }
  ctx.err.write(`${flags.role} token ${t.id} created${flags.namespace ? ` for namespace ${flags.namespace}` : ""}${t.expires ? `, expires ${t.expires}` : ", no expiry"}\n`);
}

/** A kubeconfig with this cluster's server and CA and the new token (mode 0600). */
async function writeUserKubeconfig(ctx: CliContext, client: ApiClient, file: string, token: string, namespace?: string): Promise<void> {
  const { resolveConfig } = await import("../config-resolve.js");
  const { makeKubeconfig, writeKubeconfig } = await import("../../lib/kubeconfig.js");
  const cfg = resolveConfig(ctx.globals());
  const kc = makeKubeconfig({ server: client.server, token, caPem: cfg.client.ca, namespace });
  kc.users[0]!.name = "kctl-user";
  kc.contexts[0]!.context.user = "kctl-user";
  writeKubeconfig(file, kc);
}

async function list(ctx: CliContext): Promise<void> {
  const client = await ctx.client();
  const join = await client.request<{ items: Listed[] }>("GET", `${GROUP}/jointokens`);
  const users = await client.request<{ items: Listed[] }>("GET", `${GROUP}/usertokens`);
  const { formatTable } = await import("../printers/table.js");
  const rows = [["ID", "KIND", "ROLE", "NAMESPACE", "NAME", "EXPIRES", "DESCRIPTION"]];
  for (const t of join.items) rows.push([t.id, t.kind === "server" ? "server-join" : "join", "-", "-", "-", t.expires ?? "never", t.description || "-"]);
  for (const t of users.items) rows.push([t.id, t.role === "node" ? "node" : "user", t.role ?? "-", t.namespace ?? "-", t.name ?? "-", t.expires ?? "never", t.description || "-"]);
  ctx.out.write(formatTable(rows));
}

async function revoke(ctx: CliContext, id: string): Promise<void> {
  const client = await ctx.client();
  for (const kind of ["jointokens", "usertokens"]) {
    try {
      await client.request("DELETE", `${GROUP}/${kind}/${encodeURIComponent(id)}`);
      ctx.out.write(`token ${id} revoked\n`);
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  throw new UserError(`no token with id "${id}" (see kctl token list)`);
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    const token = program.command("token").description("Manage join tokens (nodes) and user tokens (view/edit/admin)");
    token
      .command("create")
      .description("Create a join token for a node, or with --role a user token")
      .option("--ttl <duration>", "expire after this long (e.g. 24h; default: never)")
      .option("--description <text>", "a note shown by kctl token list")
      .option("--kind <kind>", "join token kind: node (kctl agent) or server (kctl server --join; also joins agents)")
      .option("--role <role>", "make a user token: view | edit | admin")
      .option("--name <name>", "the user name a user token authenticates as")
      .option("--kubeconfig-out <file>", "write a kubeconfig with the new user token instead of printing it")
      .addHelpText("after", "\nA user token is limited to a namespace with the global -n/--namespace flag.")
      .action(guarded((flags: CreateFlags) => create(ctx, flags)));
    token.command("list").description("List tokens (ids, kinds, roles, expiry; never the secrets)").action(guarded(() => list(ctx)));
    token.command("revoke <id>").description("Revoke a join token or a user/node token by id").action(guarded((id: string) => revoke(ctx, id)));
  },
};
