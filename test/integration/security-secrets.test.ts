/**
 * Secrets at rest: the SQLite file and its WAL never hold a Secret's value in clear (objects
 * table, revision log, last-applied annotation), the API returns plaintext, a restart reads them
 * back, clear ones from an older data dir are encrypted on start, and a key rotation re-encrypts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptStoredSecrets, rotateSecretKey, SecretEncryption, SECRETS_KEY_FILE } from "../../apiserver/security/secret-encryption.js";
import { openDatabase, SqliteStore } from "../../apiserver/store/sqlite-store.js";
import { createLogger } from "../../lib/logger.js";
import type { KObject } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const VALUE = `plain-${Date.now()}-hunter2-secret`;
const VALUE2 = `updated-${Date.now()}-correct-horse`;
const b64 = (s: string) => Buffer.from(s).toString("base64");
let srv: TestServer;
let logFile: string;

/** Every byte of the database files (main, WAL), as latin1 text for substring checks. */
function rawDb(dir: string): string {
  return ["kctl.db", "kctl.db-wal"].map((f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f)).toString("latin1") : "")).join("\n");
}

const secretObj = (name: string, value: string): KObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "default" }, type: "Opaque", data: { password: b64(value) } }) as KObject;

beforeAll(async () => {
  logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kctl-seclog-")), "server.log");
  srv = await startTestServer({ tls: true, logger: createLogger({ level: "debug", destination: logFile }) });
});
afterAll(async () => {
  await srv.close();
  fs.rmSync(path.dirname(logFile), { recursive: true, force: true });
});

describe("Secrets encrypted at rest", () => {
  it("create, update, apply: the API returns plaintext; kctl.db and kctl.db-wal never contain the value", async () => {
    await srv.client.create(secretObj("db-pass", VALUE));
    const got = await srv.client.get<KObject & { data: Record<string, string> }>("Secret", "db-pass", "default");
    expect(Buffer.from(got.data.password!, "base64").toString()).toBe(VALUE);
    await srv.client.update({ ...got, data: { password: b64(VALUE2) } } as KObject);
    // kctl apply stores the whole manifest in the last-applied annotation: encrypted too
    const manifest = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: applied\ndata:\n  password: ${b64(VALUE)}\n`;
    const applied = await kctl(["apply", "-f", "-", "--server", srv.url, "--kubeconfig", srv.kubeconfigPath], { input: manifest });
    expect(applied.code).toBe(0);
    const list = await srv.client.list<KObject & { data: Record<string, string> }>("Secret", { namespace: "default" });
    expect(list.items.map((s) => Buffer.from(s.data.password!, "base64").toString()).sort()).toEqual([VALUE, VALUE2].sort());

    const raw = rawDb(srv.dataDir);
    for (const needle of [VALUE, VALUE2, b64(VALUE), b64(VALUE2)]) expect(raw).not.toContain(needle);
    expect(raw).toContain("enc:aesgcm:k1:");
    expect(fs.statSync(path.join(srv.dataDir, SECRETS_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it("a restart decrypts with the key in the data dir; a watch from revision 1 replays plaintext", async () => {
    await srv.restart();
    const got = await srv.client.get<KObject & { data: Record<string, string> }>("Secret", "db-pass", "default");
    expect(Buffer.from(got.data.password!, "base64").toString()).toBe(VALUE2);
    // replay from SQLite's revision log (not the in-memory ring: it is empty after a restart)
    const events: string[] = [];
    const w = srv.client.watch("Secret", { namespace: "default", resourceVersion: "1" }, (ev) => {
      const d = (ev.object as { data?: Record<string, string> }).data?.password;
      if (d) events.push(Buffer.from(d, "base64").toString());
    });
    const until = Date.now() + 5000;
    while (events.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    w.stop();
    expect(events).toEqual(expect.arrayContaining([VALUE, VALUE2]));
  });

  it("values never reach the logs (debug level, request logs on)", async () => {
    // pino writes through an async destination: wait (bounded) for the request logs to reach the file.
    for (let end = Date.now() + 5_000; !fs.readFileSync(logFile, "utf8").includes("request") && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    const text = fs.readFileSync(logFile, "utf8");
    expect(text).toContain("request"); // request logging was on
    for (const needle of [VALUE, VALUE2, b64(VALUE), b64(VALUE2), srv.token]) expect(text).not.toContain(needle);
  });
});

describe("migration and key rotation", () => {
  it("clear Secrets from an older data dir are encrypted on start; a rotated key re-encrypts everything", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-secmig-"));
    try {
      const file = path.join(dir, "kctl.db");
      // an old data dir: a Secret stored in clear
      let db = openDatabase(file);
      const obj = secretObj("old", VALUE);
      db.prepare("INSERT INTO objects(key, resource, namespace, name, value, mod_revision) VALUES (?, ?, ?, ?, ?, ?)").run("secrets/default/old", "secrets", "default", "old", JSON.stringify(obj), 1);
      db.prepare("INSERT INTO revisions(rev, type, resource, key, value, prev, ts) VALUES (?, ?, ?, ?, ?, ?, ?)").run(1, "ADDED", "secrets", "secrets/default/old", JSON.stringify(obj), null, Date.now());
      db.close();

      db = openDatabase(file);
      const codec = SecretEncryption.load(dir);
      expect(encryptStoredSecrets(db, codec)).toBe(2);
      const store = new SqliteStore(db, { file, codec });
      expect(store.get("secrets", "default", "old")?.json).toContain(b64(VALUE));
      db.pragma("wal_checkpoint(TRUNCATE)");
      db.close();
      expect(rawDb(dir)).not.toContain(b64(VALUE));

      // rotate: k2 becomes current, the next start re-encrypts under it
      expect(rotateSecretKey(dir)).toBe("k2");
      db = openDatabase(file);
      const codec2 = SecretEncryption.load(dir);
      expect(encryptStoredSecrets(db, codec2)).toBe(2);
      const v = (db.prepare("SELECT value FROM objects WHERE key = ?").get("secrets/default/old") as { value: string }).value;
      expect(v.startsWith("enc:aesgcm:k2:")).toBe(true);
      const store2 = new SqliteStore(db, { file, codec: codec2 });
      expect(store2.get("secrets", "default", "old")?.json).toContain(b64(VALUE));
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a ciphertext moved to another key (row swap) does not decrypt", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-secaad-"));
    try {
      const codec = SecretEncryption.load(dir);
      const sealed = codec.encode("secrets", "secrets/default/a", '{"x":1}');
      expect(codec.decode("secrets", "secrets/default/a", sealed)).toBe('{"x":1}');
      expect(() => codec.decode("secrets", "secrets/default/b", sealed)).toThrow();
      expect(codec.encode("configmaps", "configmaps/default/a", "{}")).toBe("{}");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
