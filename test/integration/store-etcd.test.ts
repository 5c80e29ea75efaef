/**
 * The store contract (store-contract.ts) on the etcd store, against a real etcd (scripts/etcd.sh),
 * each store under a fresh key prefix; then what only etcd adds: several stores (API servers) on
 * one prefix see each other's writes through their watches, and etcd decides their races.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretEncryption } from "../../apiserver/security/secret-encryption.js";
import { EtcdStore } from "../../apiserver/store/etcd-store.js";
import type { StoreEvent } from "../../apiserver/store/store.js";
import { eventually } from "../helpers/eventually.js";
import { ensureEtcd, ETCD_ENDPOINTS, freshPrefix } from "../helpers/etcd.js";
import { cm, describeStoreContract } from "./store-contract.js";

const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-etcd-keys-"));
const codec = SecretEncryption.load(keyDir);
const raw = new Etcd3({ hosts: ETCD_ENDPOINTS });
const ringOf = new Map<string, number | undefined>();

beforeAll(() => ensureEtcd(), 120_000);
afterAll(() => {
  raw.close();
  fs.rmSync(keyDir, { recursive: true, force: true });
});

const open = (prefix: string, ringEvents?: number): Promise<EtcdStore> => EtcdStore.open({ endpoints: ETCD_ENDPOINTS, prefix, codec, ringEvents });

describeStoreContract("etcd", {
  async open(opts) {
    const prefix = freshPrefix();
    ringOf.set(prefix, opts?.ringEvents);
    return { store: await open(prefix, opts?.ringEvents), id: prefix };
  },
  async reopen(prefix) {
    return open(prefix, ringOf.get(prefix));
  },
  async rawAtRest(prefix, key) {
    return (await raw.get(`${prefix}/${key}`).string()) ?? "";
  },
  async cleanup(prefix) {
    await raw.delete().prefix(`${prefix}/`);
  },
});

describe("etcd store: several API servers on one prefix", () => {
  it("each sees the other's writes through its watch, and etcd decides their races", async () => {
    const prefix = freshPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    try {
      const seenByB: StoreEvent[] = [];
      b.subscribe((events) => seenByB.push(...events));
      const x = await a.create("configmaps", cm("x", { from: "a" }));
      await eventually("b sees x", () => b.get("configmaps", "default", "x")?.rev === x.rev);
      expect(seenByB.map((e) => [e.type, e.name, e.rev])).toEqual([["ADDED", "x", x.rev]]);
      // Both update from the same resourceVersion: one wins, the other gets a Conflict.
      const results = await Promise.allSettled([a.update("configmaps", cm("x", { by: "a" }), x.rev), b.update("configmaps", cm("x", { by: "b" }), x.rev)]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(String(lost.reason)).toMatch(/has been modified/);
      await eventually("a and b agree on x", () => a.get("configmaps", "default", "x")?.json === b.get("configmaps", "default", "x")?.json);
      // A delete on b is a DELETED event on a, with the delete's revision.
      const seenByA: StoreEvent[] = [];
      a.subscribe((events) => seenByA.push(...events));
      const del = await b.delete("configmaps", "default", "x");
      await eventually("a sees the delete", () => seenByA.length > 0);
      expect(seenByA.map((e) => [e.type, e.rev])).toEqual([["DELETED", del.rev]]);
      expect(seenByA[0].entry.object().metadata.resourceVersion).toBe(String(del.rev));
      expect(a.get("configmaps", "default", "x")).toBeUndefined();
    } finally {
      a.close();
      b.close();
      await raw.delete().prefix(`${prefix}/`);
    }
  });

  it("an unreachable etcd fails the open with one line naming the endpoint and the fix", async () => {
    const t0 = Date.now();
    await expect(EtcdStore.open({ endpoints: ["http://127.0.0.1:1"], prefix: freshPrefix(), callTimeoutMs: 1_000 })).rejects.toThrow(
      /^cannot reach etcd at http:\/\/127\.0\.0\.1:1: .*scripts\/etcd\.sh.*--datastore-endpoint/,
    );
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
