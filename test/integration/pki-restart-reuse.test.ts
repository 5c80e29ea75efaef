/**
 * What a restart of `kctl server` reuses from the data dir, and what it must not: the in-process
 * kubelet's serving certificate is kept in DIR/pki/node-<name>.{crt,key} and reused while valid
 * (same CA, name, addresses); its bearer token is new on every start and the old one stops
 * working; --rotate-certs, a new address or another CA re-issue it. A certificate of another CA
 * is never accepted. A serving certificate re-issued for a new address keeps the old addresses.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startApiServer } from "../../apiserver/index.js";
import { certInfo, ensureLeaf, ensurePki, nodeCommonName } from "../../apiserver/pki/index.js";
import { canonicalName, signedBy } from "../../apiserver/pki/cert-info.js";
import { ApiClient } from "../../lib/client.js";
import { ApiError } from "../../lib/errors.js";

const dirs: string[] = [];
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-pki-reuse-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The status of GET /api/v1/nodes/<name> with `token` (200, or the ApiError's code). */
async function nodeGetStatus(url: string, caPem: string | undefined, token: string, name: string): Promise<number> {
  const c = new ApiClient({ server: url, token, ca: caPem });
  try {
    await c.get("Node", name);
    return 200;
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  } finally {
    c.close();
  }
}

describe("restart reuse of certificates", () => {
  it("the in-process kubelet's certificate is reused on restart; its token is not; --rotate-certs renews it", async () => {
    const dir = tempDir();
    const first = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0" });
    const a = await first.nodeCredential("n1", ["127.0.0.1"]);
    await first.close();
    const keyFile = path.join(dir, "pki", "node-n1.key");
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(keyFile, "utf8")).toBe(a.keyPem);
    const info = certInfo(a.certPem);
    expect(info.commonName).toBe(nodeCommonName("n1"));
    expect(info.sans).toEqual(expect.arrayContaining(["n1", "127.0.0.1"]));
    expect(signedBy(a.certPem, first.pki.caPem)).toBe(true);

    const second = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0" });
    try {
      expect(second.pki.issued).toEqual([]);
      const b = await second.nodeCredential("n1", ["127.0.0.1"]);
      expect(b.certPem).toBe(a.certPem);
      expect(b.keyPem).toBe(a.keyPem);
      expect(b.token).not.toBe(a.token);
      // the new token is the node's, the one of the last start is revoked
      expect(await nodeGetStatus(second.url, second.caPem, b.token, "n1")).not.toBe(401);
      expect(await nodeGetStatus(second.url, second.caPem, a.token, "n1")).toBe(401);
      // a new address re-issues it, still for this node and this CA
      const c = await second.nodeCredential("n1", ["127.0.0.1", "10.1.2.3"]);
      expect(c.certPem).not.toBe(a.certPem);
      expect(certInfo(c.certPem).sans).toEqual(expect.arrayContaining(["n1", "127.0.0.1", "10.1.2.3"]));
    } finally {
      await second.close();
    }
    const before = fs.readFileSync(path.join(dir, "pki", "node-n1.crt"), "utf8");
    const third = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", rotateCerts: true });
    try {
      const d = await third.nodeCredential("n1", ["127.0.0.1", "10.1.2.3"]);
      expect(d.certPem).not.toBe(before);
      expect(d.keyPem).not.toBe(a.keyPem);
    } finally {
      await third.close();
    }
  });

  it("a leaf of another CA is re-issued, and a re-issue for a new address keeps the old addresses", async () => {
    const dir = tempDir();
    const other = tempDir();
    const now = new Date();
    const pki = await ensurePki(dir, { now });
    const foreign = await ensurePki(other, { now });
    const files = { cert: "x.crt", key: "x.key" };
    fs.copyFileSync(path.join(other, "pki", "serving.crt"), path.join(dir, "pki", "x.crt"));
    fs.copyFileSync(path.join(other, "pki", "serving.key"), path.join(dir, "pki", "x.key"));
    expect(signedBy(foreign.serving.certPem, pki.caPem)).toBe(false);
    const replaced = await ensureLeaf(dir, pki.ca, files, "kctl-apiserver", ["localhost"], ["server"], { now });
    expect(replaced.issued).toBe("signed by another CA");
    expect(signedBy(replaced.certPem, pki.caPem)).toBe(true);

    const first = await ensureLeaf(dir, pki.ca, files, "kctl-apiserver", ["localhost", "10.9.0.1"], ["server"], { now });
    expect(first.issued).toBe("new addresses 10.9.0.1");
    // the bridge went down (10.9.0.1 gone) and another came up: nothing is dropped
    const second = await ensureLeaf(dir, pki.ca, files, "kctl-apiserver", ["localhost", "10.9.1.1"], ["server"], { now });
    expect(second.issued).toBe("new addresses 10.9.1.1");
    expect(certInfo(second.certPem).sans).toEqual(expect.arrayContaining(["localhost", "10.9.0.1", "10.9.1.1"]));
    // and with both back, nothing is issued
    const third = await ensureLeaf(dir, pki.ca, files, "kctl-apiserver", ["10.9.1.1", "10.9.0.1", "localhost"], ["server"], { now });
    expect(third.issued).toBeUndefined();
  });

  it("IPv6 addresses compare in their short form", async () => {
    expect(canonicalName("FD00:0:0:0:0:0:0:2")).toBe("fd00::2");
    expect(canonicalName("::1")).toBe("::1");
    const dir = tempDir();
    const now = new Date();
    const pki = await ensurePki(dir, { now });
    const files = { cert: "v6.crt", key: "v6.key" };
    const made = await ensureLeaf(dir, pki.ca, files, "v6", ["fd00::2", "::1"], ["server"], { now });
    expect(made.issued).toBe("first start");
    expect((await ensureLeaf(dir, pki.ca, files, "v6", ["fd00:0::2", "::1"], ["server"], { now })).issued).toBeUndefined();
  });
});
