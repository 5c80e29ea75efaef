/**
 * Join (bootstrap) tokens: what a new node presents once to obtain its own node credential.
 * SQLite keeps the id, the SHA-256 of the secret, a description and an optional expiry; the
 * secret itself is never stored. Revoking deletes the row.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type Database from "better-sqlite3";
import { newJoinCredentials } from "../../lib/join-token.js";

/** A join token as listed (no secret). */
export interface JoinTokenInfo {
  id: string;
  description: string;
  created: string;
  /** ISO time, absent when the token never expires */
  expires?: string;
}

const sha256 = (s: string): Buffer => createHash("sha256").update(s).digest();

/** The join tokens table, with an in-memory copy (lookups on every join request). */
export class JoinTokens {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly byId = new Map<string, JoinTokenInfo & { hash: Buffer }>();

  constructor(db: Database.Database, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
    db.exec("CREATE TABLE IF NOT EXISTS join_tokens (id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, description TEXT NOT NULL, created TEXT NOT NULL, expires TEXT) WITHOUT ROWID");
    const rows = db.prepare("SELECT id, secret_hash, description, created, expires FROM join_tokens").all() as { id: string; secret_hash: string; description: string; created: string; expires: string | null }[];
    for (const r of rows) this.byId.set(r.id, { id: r.id, hash: Buffer.from(r.secret_hash, "hex"), description: r.description, created: r.created, ...(r.expires ? { expires: r.expires } : {}) });
  }

  /** Mint a token valid for `ttlMs` (forever when undefined or 0). Returns the secret once. */
  create(opts: { ttlMs?: number; description?: string } = {}): { id: string; secret: string; info: JoinTokenInfo } {
    let cred = newJoinCredentials();
    while (this.byId.has(cred.id)) cred = newJoinCredentials();
    const now = this.now();
    const info: JoinTokenInfo = {
      id: cred.id,
      description: opts.description ?? "",
      created: new Date(now).toISOString(),
      ...(opts.ttlMs ? { expires: new Date(now + opts.ttlMs).toISOString() } : {}),
    };
    const hash = sha256(cred.secret);
    this.db.prepare("INSERT INTO join_tokens(id, secret_hash, description, created, expires) VALUES (?, ?, ?, ?, ?)").run(info.id, hash.toString("hex"), info.description, info.created, info.expires ?? null);
    this.byId.set(info.id, { ...info, hash });
    return { id: cred.id, secret: cred.secret, info };
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
    return this.byId.delete(id);
  }
}
