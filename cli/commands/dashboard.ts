/**
 * `kctl dashboard`: the link to the built-in web view (served by the API server under /ui/).
 *
 *   kctl dashboard [--role view|edit|admin] [--ttl 8h] [-n NS] [--open]
 *
 * Mints a short-lived user token (as `kctl token create --role R --ttl T`) and prints
 * `<server>/ui/#token=<token>`: the token travels in the URL fragment, which the browser never
 * sends to the server nor in a Referer, and the page wipes it from the address bar at once. A
 * caller who may not mint tokens (only cluster admins can) gets a link with its own kubeconfig
 * token instead, and is told so. With -n the token is limited to that namespace (and the view
 * watches only there). --open also asks the desktop to open the link.
 */
import type { Command } from "commander";
import { ApiError } from "../../lib/errors.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";

interface Flags {
  role: string;
  ttl: string;
  open?: boolean;
}

const ROLES = ["view", "edit", "admin"];

/** The link for a token (and the namespace it is limited to). */
export function dashboardUrl(server: string, token: string, namespace?: string): string {
  const frag = new URLSearchParams({ token });
  if (namespace) frag.set("namespace", namespace);
  return `${server.replace(/\/+$/, "")}/ui/#${frag.toString()}`;
}

async function openInBrowser(url: string): Promise<string | undefined> {
  const { spawn } = await import("node:child_process");
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  return new Promise((resolve) => {
    const child = spawn(cmd, [url], { detached: true, stdio: "ignore" });
    child.on("error", (e) => resolve(`${cmd}: ${e.message}`));
    child.on("spawn", () => {
      child.unref();
      resolve(undefined);
    });
  });
}

async function dashboard(ctx: CliContext, f: Flags): Promise<void> {
  if (!ROLES.includes(f.role)) throw new UserError(`--role must be view, edit or admin (not "${f.role}")`);
  const { parseDuration } = await import("../../lib/duration.js");
  let ttlSeconds: number;
  try {
    ttlSeconds = parseDuration(f.ttl, "--ttl") / 1000;
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  if (ttlSeconds <= 0) throw new UserError("--ttl must be positive (the link's token expires)");
  const namespace = ctx.globals().namespace || undefined;
  const client = await ctx.client();
  let token: string;
  try {
    const t = await client.request<{ token: string; id: string; expires?: string }>("POST", "/apis/kctl.io/v1/usertokens", {
      body: { role: f.role, namespace, ttlSeconds, description: "kctl dashboard link" },
    });
    token = t.token;
    ctx.err.write(`a ${f.role} token ${t.id}${namespace ? ` for namespace ${namespace}` : ""}, expires ${t.expires ?? "never"} (kctl token revoke ${t.id} ends it)\n`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 403) throw e;
    // Not a cluster admin: the link carries this kubeconfig's own token (its own rights).
    const { resolveConfig } = await import("../config-resolve.js");
    const own = resolveConfig(ctx.globals()).client.token;
    if (!own) throw new UserError("this kubeconfig has no token to put in the link, and it may not create one");
    token = own;
    ctx.err.write("you may not create tokens: the link carries your kubeconfig's token (keep it private)\n");
  }
  const url = dashboardUrl(client.server, token, namespace);
  ctx.out.write(`${url}\n`);
  if (f.open) {
    const failed = await openInBrowser(url);
    if (failed) ctx.err.write(`could not open a browser (${failed}): open the link above\n`);
  }
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("dashboard")
      .description("Print (and with --open, open) a link that logs in to the web view at <server>/ui/")
      .option("--role <role>", "the rights of the link's token: view | edit | admin", "edit")
      .option("--ttl <duration>", "how long the link's token lives", "8h")
      .option("--open", "open the link in the desktop's browser")
      .addHelpText("after", "\nWith -n/--namespace the token (and the view) is limited to that namespace.")
      .action(guarded((flags: Flags) => dashboard(ctx, flags)));
  },
};
