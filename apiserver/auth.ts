/**
 * Authentication (bearer tokens) and authorization (by role). Tokens are stored in SQLite only as
 * SHA-256 hashes with a role and a name. The two small interfaces let a later issue tighten the
 * rules (node tokens limited to their node, view/edit roles) without touching the routes.
 */
import { createHash, randomBytes } from "node:crypto";
import type Database from "better-sqlite3";

export type Role = "admin" | "node" | "view" | "edit";

/** An authenticated caller. */
export interface User {
  name: string;
  role: Role;
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

const READ_VERBS = new Set(["get", "list", "watch"]);

/** Hash used to store and look up tokens. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Tokens in SQLite, checked with an in-memory table of hashes. */
export class TokenAuth implements Authenticator, Authorizer {
  private readonly db: Database.Database;
  private readonly byHash = new Map<string, User>();
  /** clear token -> user for tokens already verified (skips hashing on every request; valid tokens only, so bounded) */
  private readonly verified = new Map<string, User>();

  constructor(db: Database.Database) {
    this.db = db;
    db.exec("CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, role TEXT NOT NULL, name TEXT NOT NULL, created TEXT NOT NULL) WITHOUT ROWID");
    const rows = db.prepare("SELECT hash, role, name FROM tokens").all() as { hash: string; role: Role; name: string }[];
    for (const r of rows) this.byHash.set(r.hash, { name: r.name, role: r.role });
  }

  /** Mint a token; only its hash is stored. Returns the clear token (show it once). */
  createToken(role: Role, name: string): string {
    const token = `kctl_${role}_${randomBytes(24).toString("base64url")}`;
    const hash = hashToken(token);
    this.db.prepare("INSERT INTO tokens(hash, role, name, created) VALUES (?, ?, ?, ?)").run(hash, role, name, new Date().toISOString());
    this.byHash.set(hash, { name, role });
    return token;
  }

  /** The user of a clear token, if it is valid. */
  verify(token: string): User | undefined {
    const hit = this.verified.get(token);
    if (hit) return hit;
    const u = this.byHash.get(hashToken(token));
    if (u) this.verified.set(token, u);
    return u;
  }

  /** Revoke a token by its clear value. */
  revoke(token: string): boolean {
    const hash = hashToken(token);
    this.verified.clear();
    this.db.prepare("DELETE FROM tokens WHERE hash = ?").run(hash);
    return this.byHash.delete(hash);
  }

  authenticate(headers: Record<string, string | string[] | undefined>): User | undefined {
    const h = headers.authorization;
    const value = Array.isArray(h) ? h[0] : h;
    if (value && value.length > 7 && value.slice(0, 7).toLowerCase() === "bearer ") return this.verify(value.slice(7).trim());
    // Kubernetes' WebSocket clients (browsers cannot set headers) send the token as a subprotocol.
    const proto = headers["sec-websocket-protocol"];
    const protos = (Array.isArray(proto) ? proto.join(",") : proto ?? "").split(",").map((s) => s.trim());
    const prefix = "base64url.bearer.authorization.k8s.io.";
    const p = protos.find((s) => s.startsWith(prefix));
    if (p) return this.verify(Buffer.from(p.slice(prefix.length), "base64url").toString("utf8"));
    return undefined;
  }

  authorize(user: User, verb: string, resource: string): true | string {
    const managesTokens = resource === "tokens" || resource.startsWith("tokens/");
    switch (user.role) {
      case "admin":
        return true;
      case "node":
        // For now nodes may do everything except manage tokens (a later issue narrows this).
        return managesTokens ? `User "${user.name}" cannot ${verb} resource "tokens"` : true;
      case "edit":
        return managesTokens ? `User "${user.name}" cannot ${verb} resource "tokens"` : true;
      case "view":
        return READ_VERBS.has(verb) && !resource.startsWith("secrets") && !managesTokens
          ? true
          : `User "${user.name}" cannot ${verb} resource "${resource}"`;
    }
  }
}
