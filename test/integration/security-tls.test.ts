/**
 * TLS by default: the cluster PKI (CA, serving certificate with the host's addresses and
 * --tls-san extras), kctl and the real kubectl over HTTPS with the written kubeconfig, a clear
 * certificate error without the CA, rotation that keeps the CA, the 30-day expiry warning, and
 * plain HTTP refused off loopback.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer } from "../../apiserver/index.js";
import { ensurePki, expiryWarning } from "../../apiserver/pki/index.js";
import { certSans, parseCert } from "../../apiserver/pki/x509.js";
import { ApiClient } from "../../lib/client.js";
import { kctl } from "../helpers/cli.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
const dirs: string[] = [];
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-tls-"));
  dirs.push(d);
  return d;
};

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

beforeAll(async () => {
  srv = await startTestServer({ tls: true, tlsSans: ["kctl.lab.example", "10.99.0.1"] });
});
afterAll(async () => {
  await srv.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The admin kubeconfig without its CA (what a client that does not know the cluster has). */
function kubeconfigWithoutCa(): string {
  const cfg = YAML.parse(fs.readFileSync(srv.kubeconfigPath, "utf8")) as { clusters: { cluster: Record<string, unknown> }[] };
  delete cfg.clusters[0]!.cluster["certificate-authority-data"];
  const file = path.join(tempDir(), "no-ca.kubeconfig");
  fs.writeFileSync(file, YAML.stringify(cfg), { mode: 0o600 });
  return file;
}

describe("HTTPS by default", () => {
  it("serves HTTPS with a CA-signed certificate covering loopback, the host's addresses and --tls-san", () => {
    expect(srv.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const serving = parseCert(fs.readFileSync(path.join(srv.dataDir, "pki", "serving.crt"), "utf8"));
    const sans = certSans(serving);
    for (const n of ["localhost", "127.0.0.1", "::1", os.hostname().toLowerCase(), "kctl.lab.example", "10.99.0.1"]) expect(sans).toContain(n);
    expect(serving.issuer).toBe(parseCert(srv.caPem).subject);
    const days = (serving.notAfter.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(360);
    expect((parseCert(srv.caPem).notAfter.getTime() - Date.now()) / 86_400_000).toBeGreaterThan(3600);
    for (const key of ["ca.key", "serving.key", "kubelet-client.key"]) expect(fs.statSync(path.join(srv.dataDir, "pki", key)).mode & 0o777).toBe(0o600);
  });

  it("the admin kubeconfig carries the CA: kctl verifies the server", async () => {
    const cfg = YAML.parse(fs.readFileSync(srv.kubeconfigPath, "utf8")) as { clusters: { cluster: Record<string, string> }[] };
    expect(Buffer.from(cfg.clusters[0]!.cluster["certificate-authority-data"]!, "base64").toString()).toBe(srv.caPem);
    const r = await kctl(["get", "namespaces", "--kubeconfig", srv.kubeconfigPath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kube-system\s+Active/);
  });

  it("the real kubectl verifies the server with the kubeconfig", async () => {
    const r = await run("kubectl", ["--kubeconfig", srv.kubeconfigPath, "get", "namespaces"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/kube-system\s+Active/);
  });

  it("without the CA: kctl fails with one clear line; so does kubectl", async () => {
    const file = kubeconfigWithoutCa();
    const r = await kctl(["get", "pods", "--kubeconfig", file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach the API server at https:\/\/127\.0\.0\.1:\d+: certificate signed by unknown authority/);
    const k = await run("kubectl", ["--kubeconfig", file, "get", "pods"]);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toMatch(/certificate signed by unknown authority/);
  });
});

describe("certificate lifecycle", () => {
  it("--rotate-certs re-issues the serving certificate and keeps the CA: old clients still verify", async () => {
    const dir = tempDir();
    const first = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0" });
    const before = first.pki.serving.certPem;
    await first.close();
    const second = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", rotateCerts: true });
    try {
      expect(second.pki.serving.certPem).not.toBe(before);
      expect(second.caPem).toBe(first.caPem);
      const c = new ApiClient({ server: second.url, token: second.adminToken, ca: first.caPem });
      expect((await c.list("Namespace")).items.length).toBeGreaterThan(0);
      c.close();
    } finally {
      await second.close();
    }
    // a plain restart keeps the certificate
    const third = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0" });
    expect(third.pki.serving.certPem).toBe(fs.readFileSync(path.join(dir, "pki", "serving.crt"), "utf8"));
    expect(third.pki.issued).toEqual([]);
    await third.close();
  });

  it("warns 30 days before expiry; a start that close to expiry renews (CA unchanged)", async () => {
    const dir = tempDir();
    const t0 = new Date();
    const pki = await ensurePki(dir, { now: t0 });
    const day = 86_400_000;
    expect(expiryWarning("API server serving", pki.serving.certPem, new Date(t0.getTime() + 300 * day))).toBeUndefined();
    expect(expiryWarning("API server serving", pki.serving.certPem, new Date(t0.getTime() + 340 * day))).toMatch(/^the API server serving certificate expires in 2[45] days \(.*\): run kctl server --rotate-certs$/);
    expect(expiryWarning("API server serving", pki.serving.certPem, new Date(t0.getTime() + 400 * day))).toMatch(/expired on/);
    const later = await ensurePki(dir, { now: new Date(t0.getTime() + 340 * day) });
    expect(later.issued).toContain("serving certificate (near expiry)");
    expect(later.caPem).toBe(pki.caPem);
  });

  it("plain HTTP is refused on a non-loopback address unless --insecure-http", async () => {
    await expect(startApiServer({ dataDir: tempDir(), listen: "0.0.0.0:0", tls: false })).rejects.toThrow(
      /^refusing to serve plain HTTP on 0\.0\.0\.0: tokens would cross the network in clear text; drop the TLS opt-out or pass --insecure-http$/,
    );
    // loopback with --insecure-http: plain HTTP, kubeconfig without a CA
    const s = await startApiServer({ dataDir: tempDir(), listen: "127.0.0.1:0", insecureHttp: true });
    try {
      expect(s.url).toMatch(/^http:\/\//);
      expect(s.caPem).toBeUndefined();
      expect(fs.readFileSync(s.kubeconfigPath, "utf8")).not.toContain("certificate-authority-data");
    } finally {
      await s.close();
    }
  });
});
