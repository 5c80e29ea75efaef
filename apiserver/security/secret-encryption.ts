/**
 * Secrets encrypted at rest (as Kubernetes' EncryptionConfiguration with the aesgcm provider):
 * every Secret written to SQLite, in the objects table and in the revision log (value and prev),
 * is `enc:aesgcm:<key id>:<base64 of nonce(12) | ciphertext | tag(16)>`, AES-256-GCM with a fresh
 * random nonce per write and the storage key as associated data (a ciphertext moved to another
 * key does not decrypt). The API is unchanged: the store decrypts on load and replay.
 *
 * Keys live in DIR/secrets.key (mode 0600): `{"current":"k1","keys":{"k1":"<base64 32 bytes>"}}`.
 * Rotation adds a key and makes it current; the next start re-encrypts every stored Secret.
 * A copied kctl.db alone reveals no Secret value; a copied data dir does (the key is there, as
 * with k3s' default): keep the data dir private.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";

export const SECRETS_KEY_FILE = "secrets.key";
/** Store resource ids whose values are encrypted. */
export const ENCRYPTED_RESOURCES = new Set(["secrets"]);
const PREFIX = "enc:aesgcm:";

/** Turns stored values into what is written to SQLite and back. */
export interface ValueCodec {
  encode(resource: string, key: string, json: string): string;
  decode(resource: string, key: string, stored: string): string;
}

interface KeyFile {
  current: string;
  keys: Record<string, string>;
}

function readKeyFile(file: string): KeyFile | undefined {
  try {
    const k = JSON.parse(fs.readFileSync(file, "utf8")) as KeyFile;
    if (typeof k.current === "string" && k.keys && typeof k.keys[k.current] === "string") return k;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`${file}: unreadable Secret encryption key file: ${(e as Error).message}`);
  }
  throw new Error(`${file}: not a Secret encryption key file`);
}

function writeKeyFile(file: string, k: KeyFile): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(k, null, 2) + "\n", { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Add a new key and make it current (the next start re-encrypts). Returns the new key id. */
export function rotateSecretKey(dataDir: string): string {
  const file = path.join(dataDir, SECRETS_KEY_FILE);
  const k = readKeyFile(file) ?? { current: "", keys: {} };
  let n = Object.keys(k.keys).length + 1;
  while (k.keys[`k${n}`]) n++;
  const id = `k${n}`;
  writeKeyFile(file, { current: id, keys: { ...k.keys, [id]: randomBytes(32).toString("base64") } });
  return id;
}

/** AES-256-GCM for Secrets, identity for everything else. */
export class SecretEncryption implements ValueCodec {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  private constructor(k: KeyFile) {
    for (const [id, b64] of Object.entries(k.keys)) {
      const key = Buffer.from(b64, "base64");
      if (key.length !== 32) throw new Error(`Secret encryption key ${id} is not 32 bytes`);
      this.keys.set(id, key);
    }
    this.currentKeyId = k.current;
  }

  /** Load DIR/secrets.key, creating it (one random key, mode 0600) on first start. */
  static load(dataDir: string): SecretEncryption {
    const file = path.join(dataDir, SECRETS_KEY_FILE);
    if (!readKeyFile(file)) rotateSecretKey(dataDir);
    return new SecretEncryption(readKeyFile(file)!);
  }

  /** A key that lives in memory only (an in-memory server for tests: nothing is on disk). */
  static ephemeral(): SecretEncryption {
    return new SecretEncryption({ current: "k1", keys: { k1: randomBytes(32).toString("base64") } });
  }

  encode(resource: string, key: string, json: string): string {
    if (!ENCRYPTED_RESOURCES.has(resource)) return json;
    const nonce = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.keys.get(this.currentKeyId)!, nonce);
    c.setAAD(Buffer.from(key));
    const ct = Buffer.concat([c.update(json, "utf8"), c.final()]);
    return `${PREFIX}${this.currentKeyId}:${Buffer.concat([nonce, ct, c.getAuthTag()]).toString("base64")}`;
  }

  decode(_resource: string, key: string, stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored; // written before encryption: read as is, encrypted on next start
    const rest = stored.slice(PREFIX.length);
    const colon = rest.indexOf(":");
    const id = rest.slice(0, colon);
    const k = this.keys.get(id);
    if (!k) throw new Error(`a stored Secret (${key}) is encrypted with key "${id}", which ${SECRETS_KEY_FILE} does not have`);
    const raw = Buffer.from(rest.slice(colon + 1), "base64");
    const d = createDecipheriv("aes-256-gcm", k, raw.subarray(0, 12));
    d.setAAD(Buffer.from(key));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString("utf8");
  }

  /** True when `stored` needs (re-)encrypting: plaintext, or under a key that is not current. */
  stale(stored: string): boolean {
    return !stored.startsWith(`${PREFIX}${this.currentKeyId}:`);
  }
}

/**
 * Before the store loads: encrypt Secrets stored in clear (a data dir from before encryption)
 * and re-encrypt those under an old key, in the objects table and the revision log. secure_delete
 * makes SQLite zero the freed pages, so the old plaintext does not linger in the file.
 */
export function encryptStoredSecrets(db: Database.Database, codec: SecretEncryption): number {
  let n = 0;
  const resources = [...ENCRYPTED_RESOURCES];
  const marks = resources.map(() => "?").join(",");
  db.pragma("secure_delete = ON");
  db.transaction(() => {
    const objs = db.prepare(`SELECT key, resource, value FROM objects WHERE resource IN (${marks})`).all(...resources) as { key: string; resource: string; value: string }[];
    const updObj = db.prepare("UPDATE objects SET value = ? WHERE key = ?");
    for (const o of objs) {
      if (!codec.stale(o.value)) continue;
      updObj.run(codec.encode(o.resource, o.key, codec.decode(o.resource, o.key, o.value)), o.key);
      n++;
    }
    const revs = db.prepare(`SELECT rev, resource, key, value, prev FROM revisions WHERE resource IN (${marks})`).all(...resources) as { rev: number; resource: string; key: string; value: string; prev: string | null }[];
    const updRev = db.prepare("UPDATE revisions SET value = ?, prev = ? WHERE rev = ?");
    for (const r of revs) {
      if (!codec.stale(r.value) && (r.prev === null || !codec.stale(r.prev))) continue;
      const re = (v: string): string => codec.encode(r.resource, r.key, codec.decode(r.resource, r.key, v));
      updRev.run(re(r.value), r.prev === null ? null : re(r.prev), r.rev);
      n++;
    }
  })();
  return n;
}
