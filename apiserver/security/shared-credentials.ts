/**
 * Credentials shared by every API server of one etcd cluster (`kctl server --datastore-endpoint`):
 * bearer tokens (admin, users, node credentials) and join tokens, as hashes, plus the list of
 * API servers (for the admin kubeconfig's per-server contexts). Each server keeps its own SQLite
 * table and in-memory map for the synchronous lookups on every request; this module copies its
 * local changes to etcd and applies the others' from an etcd watch, so a node credential issued
 * by server A authenticates on server B, and a token revoked on one is revoked on all.
 *
 *   <prefix>-credentials/initialized          set once, by the first server: from then on etcd is
 *                                             the authority (a server's local-only rows are stale)
 *   <prefix>-credentials/tokens/<hash>        TokenRecord JSON
 *   <prefix>-credentials/jointokens/<id>      JoinTokenRecord JSON
 *   <prefix>-credentials/servers/<url>        { url, registered }
 *
 * The keys sit beside the object prefix, not under it, so the object store never sees them.
 */
import type { Etcd3, IKeyValue, Watcher } from "etcd3";
import type { Logger } from "pino";
import { parseJoinToken } from "../../lib/join-token.js";
import { hashToken, type TokenAuth, type TokenRecord } from "./auth.js";
import type { JoinTokenRecord, JoinTokens } from "./join-tokens.js";

/** An API server of the cluster, as registered. */
export interface ClusterServer {
  url: string;
  /** ISO time of its first registration (the order of the kubeconfig's contexts) */
  registered: string;
}

/** The running replication. */
export interface SharedCredentials {
  /** Record this server's URL (kept when already there, so its place in the order stays). */
  registerServer(url: string): Promise<void>;
  /**
   * Look a token this server does not know up in etcd and take it when it is there: a token made
   * on another server a moment ago may not have arrived through the watch yet.
   */
  refresh(token: string): Promise<void>;
  /** Every registered server, oldest first. */
  servers(): ClusterServer[];
  /** Called with the list whenever it changes (and once at once). */
  onServers(fn: (servers: ClusterServer[]) => void): void;
  close(): void;
}

/** Options of {@link shareCredentials}. */
export interface ShareOptions {
  etcd: Etcd3;
  /** the object prefix (`--datastore-prefix`); credentials live beside it */
  prefix: string;
  tokens: TokenAuth;
  joinTokens: JoinTokens;
  logger: Logger;
}

const json = (v: unknown): string => JSON.stringify(v);

/** Load the shared credentials, reconcile the local tables with them, and keep both in step. */
export async function shareCredentials(o: ShareOptions): Promise<SharedCredentials> {
  const root = `${o.prefix.replace(/\/+$/, "")}-credentials/`;
  const log = o.logger.child({ component: "shared-credentials" });
  const tokenKey = (hash: string) => `${root}tokens/${hash}`;
  const joinKey = (id: string) => `${root}jointokens/${id}`;
  const serverKey = (url: string) => `${root}servers/${encodeURIComponent(url)}`;
  const servers = new Map<string, ClusterServer>();
  const listeners: ((s: ClusterServer[]) => void)[] = [];
  const sortedServers = () => [...servers.values()].sort((a, b) => a.registered.localeCompare(b.registered) || a.url.localeCompare(b.url));
  const notify = () => {
    const list = sortedServers();
    for (const fn of listeners) fn(list);
  };

  const apply = (key: string, value: string | undefined): void => {
    const rest = key.slice(root.length);
    const [kind, ...idParts] = rest.split("/");
    const id = idParts.join("/");
    try {
      if (kind === "tokens") o.tokens.applyRemote(value === undefined ? { delete: id } : { put: JSON.parse(value) as TokenRecord });
      else if (kind === "jointokens") o.joinTokens.applyRemote(value === undefined ? { delete: id } : { put: JSON.parse(value) as JoinTokenRecord });
      else if (kind === "servers") {
        const url = decodeURIComponent(id);
        if (value === undefined) servers.delete(url);
        else servers.set(url, JSON.parse(value) as ClusterServer);
        notify();
      }
    } catch (e) {
      log.warn({ key, err: e }, "ignored a malformed shared credential");
    }
  };

  const res = await o.etcd.getAll().prefix(root).exec();
  const remote = new Map<string, string>(res.kvs.map((kv: IKeyValue) => [kv.key.toString(), kv.value.toString()]));
  if (!remote.has(`${root}initialized`)) {
    // The first server on this etcd: what it has locally (its admin token, join tokens) becomes the cluster's.
    const puts = [...o.tokens.records().map((r) => [tokenKey(r.hash), json(r)]), ...o.joinTokens.records().map((r) => [joinKey(r.id), json(r)])];
    for (const [k, v] of puts) await o.etcd.put(k!).value(v!).exec();
    await o.etcd.put(`${root}initialized`).value(new Date().toISOString()).exec();
    log.info({ tokens: puts.length }, "shared this server's tokens with the cluster (first server on this etcd)");
  } else {
    // etcd is the authority: a local row it does not have was revoked while this server was away.
    for (const r of o.tokens.records()) if (!remote.has(tokenKey(r.hash))) o.tokens.applyRemote({ delete: r.hash });
    for (const r of o.joinTokens.records()) if (!remote.has(joinKey(r.id))) o.joinTokens.applyRemote({ delete: r.id });
  }
  for (const [k, v] of remote) apply(k, v);

  // Local changes go to etcd; the routes that create tokens await them (TokenAuth.settled).
  const send = (key: string, value: string | undefined): Promise<void> =>
    (value === undefined ? o.etcd.delete().key(key).exec() : o.etcd.put(key).value(value).exec()).then(
      () => undefined,
      (e: unknown) => log.error({ key, err: e }, "could not share a credential change with the other API servers"),
    );
  o.tokens.outbox.replicate = (c) => ("delete" in c ? send(tokenKey(c.delete), undefined) : send(tokenKey(c.put.hash), json(c.put)));
  o.joinTokens.outbox.replicate = (c) => ("delete" in c ? send(joinKey(c.delete), undefined) : send(joinKey(c.put.id), json(c.put)));

  let closed = false;
  let watcher: Watcher | undefined = await o.etcd.watch().prefix(root).startRevision(String(Number(res.header.revision) + 1)).create();
  watcher.on("put", (kv: IKeyValue) => apply(kv.key.toString(), kv.value.toString()));
  watcher.on("delete", (kv: IKeyValue) => apply(kv.key.toString(), undefined));
  watcher.on("error", (e: unknown) => log.warn({ err: e }, "shared credentials watch error (etcd3 reconnects it)"));

  return {
    async refresh(token) {
      const join = parseJoinToken(token);
      const key = join ? joinKey(join.id) : tokenKey(hashToken(token));
      const value = await o.etcd.get(key).string();
      if (value !== null) apply(key, value);
    },
    async registerServer(url) {
      if (servers.has(url)) return;
      const s: ClusterServer = { url, registered: new Date().toISOString() };
      servers.set(url, s);
      await o.etcd.put(serverKey(url)).value(json(s)).exec();
      notify();
    },
    servers: sortedServers,
    onServers(fn) {
      listeners.push(fn);
      fn(sortedServers());
    },
    close() {
      if (closed) return;
      closed = true;
      o.tokens.outbox.replicate = undefined;
      o.joinTokens.outbox.replicate = undefined;
      const w = watcher;
      watcher = undefined;
      void w?.cancel().catch(() => undefined).finally(() => o.etcd.close());
    },
  };
}
