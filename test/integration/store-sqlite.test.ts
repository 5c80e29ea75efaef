/** The store contract (store-contract.ts) on the SQLite store: a real database file in a temp dir. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SecretEncryption } from "../../apiserver/security/secret-encryption.js";
import { openDatabase, SqliteStore } from "../../apiserver/store/sqlite-store.js";
import { describeStoreContract } from "./store-contract.js";

const file = (dir: string): string => path.join(dir, "kctl.db");
const open = (dir: string, ringEvents?: number): SqliteStore => new SqliteStore(openDatabase(file(dir)), { file: file(dir), codec: SecretEncryption.load(dir), ringEvents });

describeStoreContract("SQLite", {
  async open(opts) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-store-"));
    return { store: open(dir, opts?.ringEvents), id: dir };
  },
  async reopen(dir) {
    return open(dir);
  },
  async breakCommits(dir) {
    // Another connection adds a trigger that aborts every log insert: the next commit fails.
    const db = openDatabase(file(dir));
    db.exec("CREATE TRIGGER fail_log BEFORE INSERT ON revisions BEGIN SELECT RAISE(ABORT, 'disk says no'); END;");
    db.close();
  },
  async rawAtRest(dir, key) {
    const db = openDatabase(file(dir));
    const row = db.prepare("SELECT value FROM objects WHERE key = ?").get(key) as { value: string } | undefined;
    const log = db.prepare("SELECT group_concat(value) AS v FROM revisions WHERE key = ?").get(key) as { v: string | null };
    db.close();
    return `${row?.value ?? ""}${log.v ?? ""}`;
  },
  async cleanup(dir) {
    fs.rmSync(dir, { recursive: true, force: true });
  },
});
