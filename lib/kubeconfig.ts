/**
 * Kubeconfig files (the same YAML as kubectl's): read, pick the current context, and write the
 * admin one `kctl server` creates. Resolution order for the CLI: --kubeconfig flag >
 * KCTL_CONFIG env > ~/.kctl/config.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import type { ClientConfig } from "./client.js";

export interface KubeconfigCluster {
  name: string;
  cluster: { server: string; "certificate-authority-data"?: string; "certificate-authority"?: string; "insecure-skip-tls-verify"?: boolean };
}
export interface KubeconfigUser {
  name: string;
  user: { token?: string };
}
export interface KubeconfigContext {
  name: string;
  context: { cluster: string; user: string; namespace?: string };
}
export interface Kubeconfig {
  apiVersion: "v1";
  kind: "Config";
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: KubeconfigContext[];
  "current-context": string;
  preferences?: Record<string, unknown>;
}

/** The default kubeconfig path: KCTL_CONFIG, else ~/.kctl/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KCTL_CONFIG || path.join(os.homedir(), ".kctl", "config");
}

export function readKubeconfig(file: string): Kubeconfig {
  const text = fs.readFileSync(file, "utf8");
  const doc = YAML.parse(text, { logLevel: "error" }) as Partial<Kubeconfig> | null;
  if (!doc || typeof doc !== "object") throw new Error(`${file}: not a kubeconfig file`);
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: doc.clusters ?? [],
    users: doc.users ?? [],
    contexts: doc.contexts ?? [],
    "current-context": doc["current-context"] ?? "",
    preferences: doc.preferences ?? {},
  };
}

/** Write atomically with mode 0600 (it holds a token). */
export function writeKubeconfig(file: string, cfg: Kubeconfig): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, YAML.stringify(cfg), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** A one-cluster, one-user kubeconfig. */
export function makeKubeconfig(opts: { server: string; token: string; caPem?: string; name?: string; namespace?: string }): Kubeconfig {
  const name = opts.name ?? "kctl";
  const cluster: KubeconfigCluster["cluster"] = { server: opts.server };
  if (opts.caPem) cluster["certificate-authority-data"] = Buffer.from(opts.caPem).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster }],
    users: [{ name: `${name}-admin`, user: { token: opts.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
    "current-context": name,
    preferences: {},
  };
}

/**
 * The admin kubeconfig of an HA cluster: one cluster and one context per API server (`kctl-1`,
 * `kctl-2`, ... in the order they joined), one admin user, the current context on `self`. kubectl
 * takes one server per cluster, so switching is `kctl|kubectl config use-context kctl-2`.
 */
export function makeClusterKubeconfig(opts: { servers: string[]; self: string; token: string; caPem?: string }): Kubeconfig {
  const servers = opts.servers.includes(opts.self) ? opts.servers : [...opts.servers, opts.self];
  const user = "kctl-admin";
  const names = servers.map((_s, i) => `kctl-${i + 1}`);
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: servers.map((server, i) => ({ name: names[i]!, cluster: { server, ...(opts.caPem ? { "certificate-authority-data": Buffer.from(opts.caPem).toString("base64") } : {}) } })),
    users: [{ name: user, user: { token: opts.token } }],
    contexts: names.map((name) => ({ name, context: { cluster: name, user } })),
    "current-context": names[servers.indexOf(opts.self)]!,
    preferences: {},
  };
}

/** Client settings (and default namespace) from a kubeconfig's current (or named) context. */
export function clientConfigFromKubeconfig(cfg: Kubeconfig, contextName?: string, baseDir = "."): ClientConfig & { namespace: string } {
  const ctxName = contextName ?? cfg["current-context"];
  const ctx = cfg.contexts.find((c) => c.name === ctxName);
  if (!ctx) throw new Error(`context "${ctxName}" not found in kubeconfig`);
  const cluster = cfg.clusters.find((c) => c.name === ctx.context.cluster);
  if (!cluster) throw new Error(`cluster "${ctx.context.cluster}" of context "${ctxName}" not found in kubeconfig`);
  const user = cfg.users.find((u) => u.name === ctx.context.user);
  let ca: string | undefined;
  if (cluster.cluster["certificate-authority-data"]) ca = Buffer.from(cluster.cluster["certificate-authority-data"], "base64").toString("utf8");
  else if (cluster.cluster["certificate-authority"]) ca = fs.readFileSync(path.resolve(baseDir, cluster.cluster["certificate-authority"]), "utf8");
  return {
    server: cluster.cluster.server,
    token: user?.user.token,
    ca,
    insecureSkipTlsVerify: cluster.cluster["insecure-skip-tls-verify"],
    namespace: ctx.context.namespace ?? "default",
  };
}
