/**
 * Join (bootstrap) tokens: what a new node presents once to obtain its own node credential.
 * SQLite keeps the id, the SHA-256 of the secret, a description and an optional expiry; the
 * secret itself is never stored. Revoking deletes the row.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type Database from "better-sqlite3";
import { newJoinCredentials } from "../../lib/join-token.js";
import { ReplicationOutbox } from "./replication-outbox.js";

/** What a join token lets its holder do: join a node (agent), or also a server (`--join`). */
export type JoinTokenKind = "node" | "server";

/** A join token as listed (no secret). */
export interface JoinTokenInfo {
  id: string;
  /** absent: node */
  kind?: JoinTokenKind;
  description: string;
  created: string;
  /** ISO time, absent when the token never expires */
  expires?: string;
}

const sha256 = (s: string): Buffer => createHash("sha256").update(s).digest();

/** A join token as replicated between API servers (the secret's hash, never the secret). */
export interface JoinTokenRecord extends JoinTokenInfo {
  /** hex SHA-256 of the secret */
  hash: string;
}

/** A change of the join token table, as sent to (and received from) the other API servers. */
export type JoinTokenChange = { put: JoinTokenRecord } | { delete: string };

/** The join tokens table, with an in-memory copy (lookups on every join request). */
export class JoinTokens {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly byId = new Map<string, JoinTokenInfo & { hash: Buffer }>();
  /** Every local change, for the other API servers on one etcd (they share join tokens through it). */
  readonly outbox = new ReplicationOutbox<JoinTokenChange>();

  constructor(db: Database.Database, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
    db.exec("CREATE TABLE IF NOT EXISTS join_tokens (id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, description TEXT NOT NULL, created TEXT NOT NULL, expires TEXT) WITHOUT ROWID");
    // Data dirs from before server tokens get the column in place (NULL: a node token).
    const have = (db.prepare("PRAGMA table_info(join_tokens)").all() as { name: string }[]).some((c) => c.name === "kind");
    if (!have) db.exec("ALTER TABLE join_tokens ADD COLUMN kind TEXT");
    const rows = db.prepare("SELECT id, secret_hash, description, created, expires, kind FROM join_tokens").all() as { id: string; secret_hash: string; description: string; created: string; expires: string | null; kind: string | null }[];
    for (const r of rows) this.byId.set(r.id, { id: r.id, hash: Buffer.from(r.secret_hash, "hex"), description: r.description, created: r.created, ...(r.expires ? { expires: r.expires } : {}), ...(r.kind === "server" ? { kind: "server" as const } : {}) });
  }

  /** Mint a token valid for `ttlMs` (forever when undefined or 0). Returns the secret once. */
  create(opts: { ttlMs?: number; description?: string; kind?: JoinTokenKind } = {}): { id: string; secret: string; info: JoinTokenInfo } {
    let cred = newJoinCredentials();
    while (this.byId.has(cred.id)) cred = newJoinCredentials();
    const now = this.now();
    const info: JoinTokenInfo = {
      id: cred.id,
      ...(opts.kind === "server" ? { kind: "server" as const } : {}),
      description: opts.description ?? "",
      created: new Date(now).toISOString(),
      ...(opts.ttlMs ? { expires: new Date(now + opts.ttlMs).toISOString() } : {}),
    };
    const hash = sha256(cred.secret);
    this.insert({ ...info, hash: hash.toString("hex") });
    this.outbox.send({ put: { ...info, hash: hash.toString("hex") } });
    return { id: cred.id, secret: cred.secret, info };
  }

  private insert(r: JoinTokenRecord): void {
    this.db.prepare("INSERT OR REPLACE INTO join_tokens(id, secret_hash, description, created, expires, kind) VALUES (?, ?, ?, ?, ?, ?)").run(r.id, r.hash, r.description, r.created, r.expires ?? null, r.kind === "server" ? "server" : null);
    const { hash, ...info } = r;
    this.byId.set(r.id, { ...info, hash: Buffer.from(hash, "hex") });
  }

  /** Resolves once every local change so far has reached the other API servers. */
  settled(): Promise<void> {
    return this.outbox.settled();
  }

  /** Every join token as a record (for replication). */
  records(): JoinTokenRecord[] {
    return [...this.byId.values()].map(({ hash, ...info }) => ({ ...info, hash: hash.toString("hex") }));
  }

  /** Apply a change made by another API server (not replicated again). */
  applyRemote(change: JoinTokenChange): void {
    if ("delete" in change) {
      this.db.prepare("DELETE FROM join_tokens WHERE id = ?").run(change.delete);
      this.byId.delete(change.delete);
    } else this.insert(change.put);
  }

  /** What the token with this id may do (undefined: no such token). */
  kindOf(id: string): JoinTokenKind | undefined {
    const t = this.byId.get(id);
    return t ? t.kind ?? "node" : undefined;
  }

  /** `ok` for a known, unexpired token whose secret matches; else why not (for the log). */
  check(id: string, secret: string): "ok" | "unknown" | "expired" {
    const t = this.byId.get(id);
    if (!t || !timingSafeEqual(t.hash, sha256(secret))) return "unknown";
    if (t.expires && Date.parse(t.expires) <= this.now()) return "expired";
    return "ok";
  }

  /** Whether a token with this id exists (expired or not). */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  list(): JoinTokenInfo[] {
    return [...this.byId.values()].map(({ hash: _h, ...info }) => info).sort((a, b) => a.created.localeCompare(b.created));
  }

  /** Delete a token; false when there was none. */
  revoke(id: string): boolean {
    this.db.prepare("DELETE FROM join_tokens WHERE id = ?").run(id);
    const had = this.byId.delete(id);
    if (had) this.outbox.send({ delete: id });
    return had;
  }
}
