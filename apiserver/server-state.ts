/**
 * The API server's state, opened in one step before any HTTP exists: the store (SQLite with its
 * Secret codec), tokens and join tokens, the registry with its system namespaces, the watch hub and
 * the compaction timer. `openServerState` reads and writes the data dir; `memoryServerState`
 * touches no file at all (SQLite in memory, a Secret key in memory), so route tests can build the
 * whole app on it and call fastify's `inject`. app.ts builds the HTTP app from either.
 *
 *   openServerState(dataDir) ─┐
 *                             ├─> ServerState ──> buildApp(state, opts) ──> fastify app (no fs)
 *   memoryServerState()  ─────┘
 */
import fs from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import { silentLogger } from "../lib/logger.js";
import { parseCidr } from "./allocators/cluster-ip.js";
import { startCompaction, type CompactionOptions } from "./compaction.js";
import { DB_FILE, ensureDataDir, NODE_TOKEN_FILE } from "./data-dir.js";
import { admissionPlugins } from "./authz/admission-plugins.js";
import { Registry } from "./registry.js";
import { TokenAuth } from "./security/auth.js";
import { JoinTokens } from "./security/join-tokens.js";
import type { SharedCredentials } from "./security/shared-credentials.js";
import { encryptStoredSecrets, SecretEncryption } from "./security/secret-encryption.js";
import { openDatabase, SqliteStore } from "./store/sqlite-store.js";
import type { EtcdConnection } from "./store/etcd-client.js";
import type { EtcdStore } from "./store/etcd-store.js";
import type { Store } from "./store/store.js";
import { WatchHub } from "./watch/watch-hub.js";

/** What the state is made with (the subset of ApiServerOptions that is not about HTTP). */
export interface StateOptions {
  logger?: Logger;
  compaction?: CompactionOptions;
  /** per-watcher queue bound, in events, before a slow watcher is cut off (default 10,000) */
  watchBufferEvents?: number;
  /** per-watcher queue bound, in bytes, before a slow watcher is cut off (default 16 MiB) */
  watchBufferBytes?: number;
  /** a watcher whose client takes no bytes for this long is cut off (default 30 s) */
  watchWriteDeadlineMs?: number;
  /** Service ClusterIP range (default 10.96.0.0/12) */
  serviceCidr?: string;
  /** BOOKMARK interval for watches with allowWatchBookmarks (default 1 s) */
  bookmarkIntervalMs?: number;
  /** injectable clock for token expiry (tests) */
  now?: () => Date;
  /**
   * An opened store to keep objects in instead of the data dir's SQLite file (the etcd store,
   * opened by app.ts from `--datastore-endpoint`). Tokens stay in the data dir either way.
   */
  store?: Store;
}

/** Everything the HTTP app serves from. `close()` stops the timers and closes the store. */
export interface ServerState {
  store: Store;
  registry: Registry;
  hub: WatchHub;
  tokens: TokenAuth;
  joinTokens: JoinTokens;
  /** the data directory; undefined for an in-memory state */
  dataDir: string | undefined;
  /** the node join token kubelets without a PKI accept (read when asked: it is written later) */
  kubeletToken(): string | undefined;
  /** tokens and the server list shared with the other API servers on the same etcd */
  shared?: SharedCredentials;
  /** settles once the state's own first writes (system namespaces) are decided */
  ready: Promise<void>;
  close(): void;
}

/** An etcd to keep objects in (`kctl server --datastore-endpoint ...`). */
export type Datastore = EtcdConnection & {
  /** key prefix (default `/kctl`): API servers of one cluster share it */
  prefix?: string;
};

/**
 * Open the etcd store for a server whose data dir is `dataDir`: Secrets are encrypted with the
 * data dir's key, which every API server of the cluster must share (copied with the CA).
 */
export async function openEtcdStore(dataDir: string, ds: Datastore, logger?: Logger): Promise<EtcdStore> {
  ensureDataDir(dataDir);
  // Loaded only for etcd: its gRPC client and protocol files cost start-up time SQLite never needs.
  const { EtcdStore } = await import("./store/etcd-store.js");
  return EtcdStore.open({ ...ds, codec: SecretEncryption.load(dataDir), ...(logger ? { logger: logger.child({ component: "etcd-store" }) } : {}) });
}

/** Open (creating if needed) the state in `dataDir`. */
export function openServerState(dataDir: string, opts: StateOptions = {}): ServerState {
  const logger = opts.logger ?? silentLogger();
  ensureDataDir(dataDir);
  const file = path.join(dataDir, DB_FILE);
  const db = openDatabase(file);
  // Secrets are encrypted at the SQLite boundary; clear ones from older data dirs are encrypted now.
  const codec = SecretEncryption.load(dataDir);
  const reencrypted = encryptStoredSecrets(db, codec);
  if (reencrypted) logger.info({ values: reencrypted, key: codec.currentKeyId }, "encrypted stored Secrets with the current key");
  const kubeletToken = (): string | undefined => {
    try {
      return fs.readFileSync(path.join(dataDir, NODE_TOKEN_FILE), "utf8").trim() || undefined;
    } catch {
      return undefined;
    }
  };
  return assemble(db, opts.store ?? new SqliteStore(db, { file, codec }), dataDir, kubeletToken, opts);
}

/** A state with nothing on disk: SQLite in memory, an in-memory Secret key. */
export function memoryServerState(opts: StateOptions = {}): ServerState {
  const db = openDatabase(":memory:");
  return assemble(db, new SqliteStore(db, { file: ":memory:", codec: SecretEncryption.ephemeral() }), undefined, () => undefined, opts);
}

function assemble(db: Database.Database, store: Store, dataDir: string | undefined, kubeletToken: () => string | undefined, opts: StateOptions): ServerState {
  const logger = opts.logger ?? silentLogger();
  const clock = opts.now ?? (() => new Date());
  const nowMs = () => clock().getTime();
  const joinTokens = new JoinTokens(db, nowMs);
  const tokens = new TokenAuth(db, { now: nowMs, joinTokens });
  const serviceCidr = opts.serviceCidr ?? "10.96.0.0/12";
  parseCidr(serviceCidr); // a bad range fails the start with a clear message, not the first Service create
  const registry = new Registry({ store, serviceCidr, admission: admissionPlugins });
  const ready = registry.bootstrap();
  const hub = new WatchHub(store, {
    maxQueue: opts.watchBufferEvents ?? 10_000,
    maxQueueBytes: opts.watchBufferBytes,
    writeDeadlineMs: opts.watchWriteDeadlineMs,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    logger,
  });
  const stopCompaction = startCompaction(store, opts.compaction ?? {}, logger);
  // etcd lost: end every watch, so that clients list and watch again (through another API server
  // if this one cannot reach etcd) instead of waiting on a stream that gets no events.
  store.onUnavailable?.(() => hub.endAll());
  return {
    store,
    registry,
    hub,
    tokens,
    joinTokens,
    dataDir,
    kubeletToken,
    ready,
    close: () => {
      stopCompaction();
      store.close();
      // The SQLite store closes its database itself; with another store it held only the tokens.
      if (db.open) db.close();
    },
  };
}
