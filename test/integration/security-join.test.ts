/**
 * Joining a node (lib/node-join.ts, POST nodecredentials, kctl token): a good token joins and
 * gets its own credential; a man in the middle (its own CA, or the real CA without the real key)
 * never sees the secret; revoked and expired tokens get 401; a re-join under the same name
 * revokes the old credential. The refusals run the real `kctl agent` binary: it stops before it
 * would touch Docker.
 */
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePki } from "../../apiserver/pki/index.js";
import { ApiClient } from "../../lib/client.js";
import { caHash, parseJoinToken } from "../../lib/join-token.js";
import { ensureNodeCredential, fetchPinnedCA, JoinError, loadNodeCredential, NODE_CREDENTIAL_FILE } from "../../lib/node-join.js";
import { kctl } from "../helpers/cli.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let clock = Date.now();
const tmp: string[] = [];
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-join-"));
  tmp.push(d);
  return d;
};

beforeAll(async () => {
  srv = await startTestServer({ tls: true, now: () => new Date(clock) });
});
afterAll(async () => {
  await srv.close();
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

/** What a fake server saw: every request's method, path and Authorization header, and its body. */
interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

/** A man in the middle: HTTPS with `serving`, answering /cacerts with `caPem`, recording everything. */
async function startMitm(caPem: string, serving: { certPem: string; keyPem: string }): Promise<{ url: string; seen: Seen[]; tlsClients: number; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const state = { tlsClients: 0 };
  const server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, body });
      if (req.url === "/cacerts") res.writeHead(200).end(caPem);
      else res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ token: "stolen", certificate: "", ca: caPem }));
    });
  });
  server.on("secureConnection", () => state.tlsClients++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    seen,
    get tlsClients() {
      return state.tlsClients;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe("join tokens", () => {
  it("the printed token is K10<sha256 of /cacerts>::<id>.<secret>", async () => {
    const t = parseJoinToken(srv.nodeToken);
    expect(t?.caHash).toMatch(/^[0-9a-f]{64}$/);
    const served = await fetchPinnedCA(srv.url, t!);
    expect(served).toBe(srv.caPem);
    expect(caHash(served)).toBe(t!.caHash);
    // only the secret's hash is stored
    const db = fs.readFileSync(path.join(srv.dataDir, "kctl.db")).toString("latin1") + readIfAny(path.join(srv.dataDir, "kctl.db-wal"));
    expect(db).not.toContain(t!.secret);
  });

  it("a good token joins: own credential (system:node:<name>), kubelet certificate from the CA, stored 0600; a restart reuses it", async () => {
    const dir = tempDir();
    const events: string[] = [];
    const token = parseJoinToken(srv.nodeToken)!;
    const cred = await ensureNodeCredential({ server: srv.url, token, nodeName: "join-a", addresses: ["127.0.0.1"], dir, onEvent: (e) => events.push(e) });
    expect(events).toEqual(["joined"]);
    expect(cred.token).toMatch(/^kctl_node_/);
    expect(fs.statSync(path.join(dir, NODE_CREDENTIAL_FILE)).mode & 0o777).toBe(0o600);
    const { x509 } = await import("../../apiserver/pki/x509.js");
    const cert = new x509.X509Certificate(cred.certPem);
    expect(cert.subject).toBe("CN=system:node:join-a");
    expect(await cert.verify({ publicKey: new x509.X509Certificate(srv.caPem).publicKey, date: new Date() })).toBe(true);
    // the credential works, within the node's rules
    const c = new ApiClient({ server: srv.url, token: cred.token, ca: cred.caPem });
    await c.create({ apiVersion: "v1", kind: "Node", metadata: { name: "join-a" } });
    c.close();
    // a second start reuses it (no join)
    const again = await ensureNodeCredential({ server: srv.url, token, nodeName: "join-a", addresses: ["127.0.0.1"], dir, onEvent: (e) => events.push(e) });
    expect(again.token).toBe(cred.token);
    expect(events).toEqual(["joined", "reused"]);
  });

  it("re-joining under the same name (a reinstall) works and revokes the old credential", async () => {
    const token = parseJoinToken(srv.nodeToken)!;
    const first = await ensureNodeCredential({ server: srv.url, token, nodeName: "join-b", addresses: [], dir: tempDir() });
    const second = await ensureNodeCredential({ server: srv.url, token, nodeName: "join-b", addresses: [], dir: tempDir() });
    expect(second.token).not.toBe(first.token);
    const get = (tok: string) => new ApiClient({ server: srv.url, token: tok, ca: srv.caPem }).list("Node").then(() => 200, (e: { code?: number }) => e.code);
    expect(await get(first.token)).toBe(401);
    expect(await get(second.token)).toBe(200);
    // the agent whose credential was revoked joins again on its next start
    const dir = tempDir();
    const third = await ensureNodeCredential({ server: srv.url, token, nodeName: "join-b", addresses: [], dir });
    await ensureNodeCredential({ server: srv.url, token, nodeName: "join-b", addresses: [], dir: tempDir() }); // revokes `third`
    const events: string[] = [];
    const fourth = await ensureNodeCredential({ server: srv.url, token, nodeName: "join-b", addresses: [], dir, onEvent: (e) => events.push(e) });
    expect(events).toEqual(["rejoined"]);
    expect(fourth.token).not.toBe(third.token);
    expect(loadNodeCredential(dir)?.token).toBe(fourth.token);
  });

  it("a man in the middle with its own CA: the real agent refuses, exits non-zero, and never sends the secret", async () => {
    const mitmPki = await ensurePki(tempDir());
    const mitm = await startMitm(mitmPki.caPem, mitmPki.serving);
    try {
      const dataDir = tempDir();
      const r = await kctl(["agent", "--server", mitm.url, "--token", srv.nodeToken, "--node-name", "victim", "--data-dir", dataDir]);
      expect(r.code).not.toBe(0);
      const expected = parseJoinToken(srv.nodeToken)!.caHash!;
      expect(r.stderr.trim()).toBe(`error: the server's CA does not match the token (expected sha256 ${expected}, got ${caHash(mitmPki.caPem)}): possible man in the middle; nothing was sent`);
      expect(mitm.seen.map((s) => `${s.method} ${s.url}`)).toEqual(["GET /cacerts"]);
      const secret = parseJoinToken(srv.nodeToken)!.secret;
      for (const s of mitm.seen) {
        expect(s.authorization).toBeUndefined();
        expect(s.body).not.toContain(secret);
      }
      expect(fs.existsSync(path.join(dataDir, NODE_CREDENTIAL_FILE))).toBe(false);
    } finally {
      await mitm.close();
    }
  });

  it("a man in the middle replaying the real CA (without its key): the TLS check fails before the secret is sent", async () => {
    const mitmPki = await ensurePki(tempDir());
    const mitm = await startMitm(srv.caPem, mitmPki.serving);
    try {
      const r = await kctl(["agent", "--server", mitm.url, "--token", srv.nodeToken, "--node-name", "victim2", "--data-dir", tempDir()]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^error: the server's certificate is not valid for the pinned CA \(\w+\).*nothing was sent/);
      // the only request that completed is the unauthenticated CA download
      expect(mitm.seen.map((s) => `${s.method} ${s.url}`)).toEqual(["GET /cacerts"]);
      expect(mitm.seen.every((s) => s.authorization === undefined)).toBe(true);
    } finally {
      await mitm.close();
    }
  });

  it("over plain HTTP the agent refuses to send a join token", async () => {
    const r = await kctl(["agent", "--server", "http://127.0.0.1:9", "--token", srv.nodeToken, "--node-name", "x", "--data-dir", tempDir()]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^error: refusing to join over plain HTTP/);
  });

  it("kctl token create/list/revoke; revoked and expired join tokens are refused with a 401 Status", async () => {
    const admin = ["--server", srv.url, "--token", srv.token, "--kubeconfig", srv.kubeconfigPath];
    const created = await kctl(["token", "create", "--ttl", "1h", "--description", "lab-pc-3", ...admin]);
    expect(created.code).toBe(0);
    const tokenText = created.stdout.trim();
    const t = parseJoinToken(tokenText)!;
    expect(t.caHash).toBe(caHash(srv.caPem));
    const listed = await kctl(["token", "list", ...admin]);
    expect(listed.stdout).toMatch(new RegExp(`${t.id}\\s+join\\s+-\\s+-\\s+-\\s+\\S+\\s+lab-pc-3`));
    expect(listed.stdout).not.toContain(t.secret);

    const tryJoin = (tok: string) => ensureNodeCredential({ server: srv.url, token: parseJoinToken(tok)!, nodeName: "n-exp", addresses: [], dir: tempDir() });

    // expired: the server's clock moves past the TTL
    clock += 2 * 3600_000;
    await expect(tryJoin(tokenText)).rejects.toThrow(/the join token was refused \(unknown, revoked or expired\)/);
    clock -= 2 * 3600_000;
    await expect(tryJoin(tokenText)).resolves.toMatchObject({ nodeName: "n-exp" });

    // revoked
    const revoked = await kctl(["token", "revoke", t.id, ...admin]);
    expect(revoked.stdout.trim()).toBe(`token ${t.id} revoked`);
    const err = await tryJoin(tokenText).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinError);
    // the raw answer is a 401 Status
    const raw = await rawPost(`${srv.url}/apis/kctl.io/v1/nodecredentials`, `${t.id}.${t.secret}`, { nodeName: "n-exp" });
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.body)).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
  });

  it("a join token can only join: every other request is 403", async () => {
    const t = parseJoinToken(srv.nodeToken)!;
    const c = new ApiClient({ server: srv.url, token: `${t.id}.${t.secret}`, ca: srv.caPem });
    const e = await c.list("Pod").catch((x: unknown) => x as { code: number; message: string });
    expect(e).toMatchObject({ code: 403 });
    expect((e as { message: string }).message).toMatch(/is a join token: it may only exchange itself for a node credential/);
    c.close();
  });
});

function readIfAny(file: string): string {
  try {
    return fs.readFileSync(file).toString("latin1");
  } catch {
    return "";
  }
}

function rawPost(url: string, bearer: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: "POST", ca: srv.caPem, headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" } }, (res) => {
      let b = "";
      res.on("data", (c: Buffer) => (b += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}
