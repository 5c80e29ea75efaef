/**
 * Where the CLI's connection settings come from: flags > KCTL_CONFIG env > ~/.kctl/config.
 * `--server` (with `--token`) alone is enough; otherwise the kubeconfig must exist.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { ClientConfig } from "../lib/client.js";
import type { Kubeconfig } from "../lib/kubeconfig.js";
import type { GlobalOptions } from "./command.js";
import { UserError } from "./errors-output.js";

export interface ResolvedConfig {
  client: ClientConfig;
  /** namespace from the kubeconfig context (before the -n flag) */
  contextNamespace: string;
  /** the kubeconfig file used, if any */
  kubeconfigPath?: string;
}

type KubeconfigModule = typeof import("../lib/kubeconfig.js");
let kubeconfigModule: KubeconfigModule | undefined;

/**
 * lib/kubeconfig.js loaded on first use (it pulls in the YAML parser, which `--server/--token`
 * runs never need). Synchronous require of ESM is supported from Node 20.19 (our engines floor).
 */
function kubeconfigLib(): KubeconfigModule {
  kubeconfigModule ??= createRequire(import.meta.url)("../lib/kubeconfig.js") as KubeconfigModule;
  return kubeconfigModule;
}

/** The kubeconfig path in effect: --kubeconfig > KCTL_CONFIG > ~/.kctl/config (as lib/kubeconfig's defaultKubeconfigPath). */
export function kubeconfigPathFor(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  return g.kubeconfig || env.KCTL_CONFIG || path.join(os.homedir(), ".kctl", "config");
}

/** `~/.kctl/config` rather than `/home/me/.kctl/config`, for messages. */
export function tildify(p: string): string {
  const home = os.homedir();
  return home && p.startsWith(home + "/") ? `~${p.slice(home.length)}` : p;
}

/** Read the kubeconfig if present; undefined when the file does not exist. */
export function loadKubeconfig(file: string): Kubeconfig | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return kubeconfigLib().readKubeconfig(file);
  } catch (e) {
    throw new UserError(`${file}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
}

/** Resolve the client settings from the flags and the kubeconfig. */
export function resolveConfig(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const file = kubeconfigPathFor(g, env);
  const kc = loadKubeconfig(file);
  if (!kc) {
    if (g.kubeconfig) {
      throw new UserError(`kubeconfig ${g.kubeconfig} not found`, 1, "`kctl server` writes one (admin.kubeconfig in its data dir, copied to ~/.kctl/config)");
    }
    if (!g.server) {
      throw new UserError(`no configuration: run kctl server or pass --server/--token (looked in ${tildify(file)})`);
    }
    return { client: { server: g.server, token: g.token, userAgent: "kctl" }, contextNamespace: "default" };
  }
  let base: ClientConfig & { namespace: string };
  try {
    base = kubeconfigLib().clientConfigFromKubeconfig(kc, g.context, pathDir(file));
  } catch (e) {
    if (!g.server) throw new UserError(`${tildify(file)}: ${e instanceof Error ? e.message : String(e)}`);
    base = { server: g.server, namespace: "default" };
  }
  const client: ClientConfig = { ...base, userAgent: "kctl" };
  delete (client as { namespace?: string }).namespace;
  if (g.server) client.server = g.server;
  if (g.token) client.token = g.token;
  return { client, contextNamespace: base.namespace, kubeconfigPath: file };
}

/** The context namespace alone (cheap: no client), "default" when there is none. */
export function contextNamespace(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  const kc = loadKubeconfig(kubeconfigPathFor(g, env));
  if (!kc) return "default";
  const ctx = kc.contexts.find((c) => c.name === (g.context ?? kc["current-context"]));
  return ctx?.context.namespace || "default";
}

function pathDir(file: string): string {
  const i = file.lastIndexOf("/");
  return i > 0 ? file.slice(0, i) : ".";
}
