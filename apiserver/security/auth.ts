/**
 * Authentication (bearer tokens). Tokens are stored in SQLite only as SHA-256 hashes with a role,
 * a name, an optional namespace and expiry. Authorization rules live in authz/ (roles.ts for
 * users, node.ts for node credentials); see pki/README.md for the whole picture.
 */
import { createHash, randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import { parseJoinToken } from "../../lib/join-token.js";
import type { JoinTokens } from "./join-tokens.js";
import { ReplicationOutbox } from "./replication-outbox.js";

export type Role = "admin" | "node" | "view" | "edit" | "bootstrap";

/** An authenticated caller. */
export interface User {
  /** `admin`, `system:node:<node>`, `system:bootstrap:<join token id>`, or a user token's name */
  name: string;
  role: Role;
  /** the namespace a user token is limited to (absent: all namespaces) */
  namespace?: string;
  /** the node a node credential belongs to */
  node?: string;
  /** a server join token (`kctl token create --server`): may fetch the cluster's keys to join a server */
  serverJoin?: boolean;
}

export interface Authenticator {
  /** The user a request's credentials belong to, or undefined. */
  authenticate(headers: Record<string, string | string[] | undefined>): User | undefined;
}

export interface Authorizer {
  /**
   * `true` when allowed, else the reason it is not. `resource` is the URL resource with its
   * subresource (`pods`, `pods/status`, `tokens`), `""` for non-resource paths.
   */
  authorize(user: User, verb: string, resource: string, namespace: string | undefined, name: string | undefined): true | string;
}

/** A stored token as listed (never the token itself). */
export interface TokenInfo {
  /** short public id (the start of the token's hash) for list/revoke */
  id: string;
  role: Role;
  name: string;
  namespace?: string;
  description: string;
  created: string;
  /** ISO time; absent: never expires */
  expires?: string;
}

/** Options of {@link TokenAuth.createToken}. */
export interface CreateTokenOptions {
  namespace?: string;
  ttlMs?: number;
  description?: string;
}

/** Hash used to store and look up tokens. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Prefix of node credentials' user names (as Kubernetes' node authorizer). */
export const NODE_USER_PREFIX = "system:node:";

interface Entry {
  user: User;
  info: TokenInfo;
  /** expiry in ms since the epoch, if any */
  expiresMs?: number;
}

/** A stored token as replicated between API servers (the hash, never the token). */
export interface TokenRecord {
  hash: string;
  role: Role;
  name: string;
  created: string;
  id: string;
  namespace?: string;
  description: string;
  expires?: string;
}

/** A change of the token table, as sent to (and received from) the other API servers. */
export type TokenChange = { put: TokenRecord } | { delete: string };

const COLUMNS: [string, string][] = [["id", "TEXT"], ["namespace", "TEXT"], ["description", "TEXT"], ["expires", "TEXT"]];

/**
 * Bearer tokens (admin, users, node credentials) in SQLite, checked with an in-memory table of
 * hashes; join tokens (`<id>.<secret>`, optionally K10-prefixed) are delegated to `joinTokens`
 * and authenticate as `system:bootstrap:<id>` with the `bootstrap` role.
 */
export class TokenAuth implements Authenticator {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly byHash = new Map<string, Entry>();
  /** clear token -> entry for tokens already verified (skips hashing on every request; valid tokens only, so bounded) */
  private readonly verified = new Map<string, Entry>();
  /** join tokens, when the server accepts joins */
  joinTokens: JoinTokens | undefined;
  /** Every local change, for the other API servers on one etcd (they share tokens through it). */
  readonly outbox = new ReplicationOutbox<TokenChange>();

  constructor(db: Database.Database, opts: { now?: () => number; joinTokens?: JoinTokens } = {}) {
    this.db = db;
    this.now = opts.now ?? Date.now;
    this.joinTokens = opts.joinTokens;
    db.exec("CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, role TEXT NOT NULL, name TEXT NOT NULL, created TEXT NOT NULL) WITHOUT ROWID");
    // Data dirs from before per-token ids, namespaces and expiry get the columns added in place.
    const have = new Set((db.prepare("PRAGMA table_info(tokens)").all() as { name: string }[]).map((c) => c.name));
    for (const [col, type] of COLUMNS) if (!have.has(col)) db.exec(`ALTER TABLE tokens ADD COLUMN ${col} ${type}`);
    const rows = db.prepare("SELECT hash, role, name, created, id, namespace, description, expires FROM tokens").all() as {
      hash: string; role: Role; name: string; created: string; id: string | null; namespace: string | null; description: string | null; expires: string | null;
    }[];
    for (const r of rows) {
      this.byHash.set(r.hash, entryOf(r.hash, r.role, r.name, r.created, r.namespace ?? undefined, r.description ?? "", r.expires ?? undefined, r.id ?? undefined));
    }
  }

  /** Mint a token; only its hash is stored. Returns the clear token (show it once). */
  createToken(role: Role, name: string, opts: CreateTokenOptions = {}): string {
    const token = `kctl_${role}_${randomBytes(24).toString("base64url")}`;
    this.createTokenInfo(token, role, name, opts);
    return token;
  }

  /** Like {@link createToken}, also returning the listed form. */
  createTokenWithInfo(role: Role, name: string, opts: CreateTokenOptions = {}): { token: string; info: TokenInfo } {
    const token = `kctl_${role}_${randomBytes(24).toString("base64url")}`;
    return { token, info: this.createTokenInfo(token, role, name, opts) };
  }

  private createTokenInfo(token: string, role: Role, name: string, opts: CreateTokenOptions): TokenInfo {
    const hash = hashToken(token);
    const now = this.now();
    const expires = opts.ttlMs ? new Date(now + opts.ttlMs).toISOString() : undefined;
    const e = entryOf(hash, role, name, new Date(now).toISOString(), opts.namespace, opts.description ?? "", expires);
    this.db
      .prepare("INSERT INTO tokens(hash, role, name, created, id, namespace, description, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(hash, role, name, e.info.created, e.info.id, opts.namespace ?? null, e.info.description, expires ?? null);
    this.byHash.set(hash, e);
    this.outbox.send({ put: recordOf(hash, e) });
    return e.info;
  }

  /** Resolves once every local change so far has reached the other API servers (at once without them). */
  settled(): Promise<void> {
    return this.outbox.settled();
  }

  /** Every stored token as a record (for replication). */
  records(): TokenRecord[] {
    return [...this.byHash].map(([hash, e]) => recordOf(hash, e));
  }

  /** Apply a change made by another API server (not replicated again). */
  applyRemote(change: TokenChange): void {
    if ("delete" in change) {
      this.db.prepare("DELETE FROM tokens WHERE hash = ?").run(change.delete);
      if (this.byHash.delete(change.delete)) this.verified.clear();
      return;
    }
    const r = change.put;
    this.db
      .prepare("INSERT OR REPLACE INTO tokens(hash, role, name, created, id, namespace, description, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(r.hash, r.role, r.name, r.created, r.id, r.namespace ?? null, r.description, r.expires ?? null);
    this.byHash.set(r.hash, entryOf(r.hash, r.role, r.name, r.created, r.namespace, r.description, r.expires, r.id));
    this.verified.clear();
  }

  /** The user of a clear token, if it is valid (known and not expired). */
  verify(token: string): User | undefined {
    let e = this.verified.get(token);
    if (!e) {
      e = this.byHash.get(hashToken(token));
      if (!e) return undefined;
      this.verified.set(token, e);
    }
    return e.expiresMs !== undefined && e.expiresMs <= this.now() ? undefined : e.user;
  }

  /** Revoke a token by its clear value. */
  revoke(token: string): boolean {
    return this.deleteWhere((hash) => hash === hashToken(token)) > 0;
  }

  /** Revoke tokens by id; returns how many went. */
  revokeId(id: string): number {
    return this.deleteWhere((_h, e) => e.info.id === id);
  }

  /** Revoke every token issued to `name` (a node re-joining: its old credential goes). */
  revokeName(name: string, role?: Role): number {
    return this.deleteWhere((_h, e) => e.user.name === name && (role === undefined || e.user.role === role));
  }

  private deleteWhere(match: (hash: string, e: Entry) => boolean): number {
    let n = 0;
    for (const [hash, e] of [...this.byHash]) {
      if (!match(hash, e)) continue;
      this.db.prepare("DELETE FROM tokens WHERE hash = ?").run(hash);
      this.byHash.delete(hash);
      this.outbox.send({ delete: hash });
      n++;
    }
    if (n) this.verified.clear();
    return n;
  }

  /** Every stored token, oldest first (no secrets: ids, roles, names, expiry). */
  list(): TokenInfo[] {
    return [...this.byHash.values()].map((e) => e.info).sort((a, b) => a.created.localeCompare(b.created));
  }

  authenticate(headers: Record<string, string | string[] | undefined>): User | undefined {
    const token = bearerToken(headers);
    return token === undefined ? undefined : this.verifyAny(token);
  }

  /** A stored token, or a join token (bootstrap user) when one is configured. */
  private verifyAny(token: string): User | undefined {
    const join = this.joinTokens ? parseJoinToken(token) : undefined;
    if (join && this.joinTokens) {
      if (this.joinTokens.check(join.id, join.secret) !== "ok") return undefined;
      return { name: `system:bootstrap:${join.id}`, role: "bootstrap", ...(this.joinTokens.kindOf(join.id) === "server" ? { serverJoin: true } : {}) };
    }
    return this.verify(token);
  }
}

/** The bearer token a request carries: the Authorization header, or Kubernetes' WebSocket subprotocol. */
export function bearerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const h = headers.authorization;
  const value = Array.isArray(h) ? h[0] : h;
  if (value && value.length > 7 && value.slice(0, 7).toLowerCase() === "bearer ") return value.slice(7).trim();
  // Kubernetes' WebSocket clients (browsers cannot set headers) send the token as a subprotocol.
  const proto = headers["sec-websocket-protocol"];
  const protos = (Array.isArray(proto) ? proto.join(",") : proto ?? "").split(",").map((s) => s.trim());
  const prefix = "base64url.bearer.authorization.k8s.io.";
  const p = protos.find((s) => s.startsWith(prefix));
  return p ? Buffer.from(p.slice(prefix.length), "base64url").toString("utf8") : undefined;
}

function recordOf(hash: string, e: Entry): TokenRecord {
  const i = e.info;
  return { hash, role: i.role, name: i.name, created: i.created, id: i.id, description: i.description, ...(i.namespace ? { namespace: i.namespace } : {}), ...(i.expires ? { expires: i.expires } : {}) };
}

function entryOf(hash: string, role: Role, name: string, created: string, namespace: string | undefined, description: string, expires: string | undefined, id?: string): Entry {
  const node = role === "node" && name.startsWith(NODE_USER_PREFIX) ? name.slice(NODE_USER_PREFIX.length) : undefined;
  const user: User = { name, role, ...(namespace ? { namespace } : {}), ...(node ? { node } : {}) };
  const info: TokenInfo = { id: id ?? hash.slice(0, 10), role, name, ...(namespace ? { namespace } : {}), description, created, ...(expires ? { expires } : {}) };
  return { user, info, ...(expires ? { expiresMs: Date.parse(expires) } : {}) };
}
