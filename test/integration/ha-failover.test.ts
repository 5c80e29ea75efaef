/**
 * Three real API servers (HTTPS) on the local etcd under one fresh prefix, the second and third
 * joined with the first's server token (lib/server-join.ts, as `kctl server --join` does):
 *  - tokens are shared: the first's admin token and a node credential it issued work on the
 *    others, and a token revoked on one is refused by all;
 *  - an ApiClient given the three URLs keeps working when the server it uses is closed: requests
 *    move to the next one, and an informer's watch is resumed there from its resourceVersion;
 *  - a server answering 503 is left for the next; every server gone is one error naming them all;
 *  - a joined data dir restarts with --join while the first server is down;
 *  - `kctl server --join` refuses, in one line and exit 1, a server that is down, a token whose
 *    CA hash is not the server's, and an agent's join token (403), writing nothing.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installClusterKeys } from "../../apiserver/index.js";
import { ApiClient, ConnectionError } from "../../lib/client.js";
import { ApiError } from "../../lib/errors.js";
import { Informer } from "../../lib/informer.js";
import { formatJoinToken, parseJoinToken } from "../../lib/join-token.js";
import { fetchClusterKeys } from "../../lib/server-join.js";
import type { KObject } from "../../lib/types.js";
import { kctl, startKctl } from "../helpers/cli.js";
import { ensureEtcd, ETCD_ENDPOINTS, freshPrefix } from "../helpers/etcd.js";
import { eventually } from "../helpers/eventually.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const prefix = freshPrefix();
const datastore = { endpoints: ETCD_ENDPOINTS, prefix };
const servers: TestServer[] = [];
const dirs: string[] = [];

const cm = (name: string): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } }) as KObject;

beforeAll(async () => {
  ensureEtcd();
  const first = await startTestServer({ tls: true, datastore });
  servers.push(first);
  for (let i = 0; i < 2; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-ha-join-"));
    dirs.push(dir);
    const keys = await fetchClusterKeys(first.url, first.server.serverToken!);
    expect(installClusterKeys(dir, keys)).toBe("installed");
    servers.push(await startTestServer({ tls: true, datastore, dataDir: dir }));
  }
}, 90_000);

afterAll(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const clientOn = (s: TestServer, token: string): ApiClient => new ApiClient({ server: s.url, token, ca: servers[0]!.caPem });

describe("API servers sharing one etcd", () => {
  it("share the CA, tokens and node credentials; a revoked token is refused everywhere", async () => {
    const [a, b, c] = servers as [TestServer, TestServer, TestServer];
    expect(b.caPem).toBe(a.caPem);
    expect(c.caPem).toBe(a.caPem);
    // a's admin token on b and c (HTTPS verified against the one CA)
    await clientOn(b, a.token).create(cm("made-on-b"), "default");
    expect((await clientOn(c, a.token).get("ConfigMap", "made-on-b", "default")).metadata.name).toBe("made-on-b");
    // a node credential issued by a, used on c
    const cred = await a.nodeCredential("ha-node-1");
    const nodeOnC = clientOn(c, cred.token);
    await nodeOnC.create({ apiVersion: "v1", kind: "Node", metadata: { name: "ha-node-1" } } as KObject);
    // a user token minted on b, revoked on c, refused on a
    const t = await clientOn(b, a.token).request<{ token: string; id: string }>("POST", "/apis/kctl.io/v1/usertokens", { body: { role: "view" } });
    expect((await clientOn(a, t.token).list("ConfigMap", { namespace: "default" })).items.length).toBeGreaterThan(0);
    await clientOn(c, a.token).request("DELETE", `/apis/kctl.io/v1/usertokens/${t.id}`);
    await eventually("the revoked token refused on a", async () => {
      const e = await clientOn(a, t.token).list("ConfigMap", { namespace: "default" }).then(() => undefined, (err: unknown) => err);
      return e instanceof ApiError && e.code === 401;
    });
    for (const cl of [nodeOnC]) cl.close();
  }, 60_000);

  it("a client with the three URLs moves on when its server goes; its informer resumes on the next", async () => {
    const [a, b, c] = servers as [TestServer, TestServer, TestServer];
    const client = new ApiClient({ server: [a.url, b.url, c.url].join(","), token: a.token, ca: a.caPem });
    const moves: string[] = [];
    client.onFailover = (_from, to) => moves.push(to);
    const inf = new Informer<KObject>(client, "ConfigMap", { namespace: "default", backoff: { baseMs: 50, capMs: 500 } });
    inf.start();
    try {
      await client.create(cm("before-failover"), "default");
      await eventually("the informer sees it", () => inf.get("default/before-failover") !== undefined);
      expect(client.server).toBe(a.url);
      const rvBefore = Number(inf.lastResourceVersion());

      await a.close(); // the server the client uses goes away
      const made = await client.create(cm("after-failover"), "default");
      expect(made.metadata.name).toBe("after-failover");
      expect(client.server).toBe(b.url);
      expect(moves[0]).toBe(b.url);
      // A write through c reaches the informer, now watching on b from where it was.
      await clientOn(c, a.token).create(cm("through-c"), "default");
      await eventually("the informer resumed on another server", () => inf.get("default/after-failover") !== undefined && inf.get("default/through-c") !== undefined, { timeoutMs: 20_000 });
      expect(Number(inf.lastResourceVersion())).toBeGreaterThan(rvBefore);

      await b.close(); // and the next one too: c answers
      expect((await client.get("ConfigMap", "through-c", "default")).metadata.name).toBe("through-c");
      expect(client.server).toBe(c.url);
    } finally {
      await inf.stop();
      client.close();
    }
  }, 60_000);
});

describe("ApiClient failover edges", () => {
  it("a server answering 503 is left for the next; when every server is gone the error names them all", async () => {
    const c = servers[2]!;
    // A server that is up but cannot serve (its etcd lost, or shutting down) answers a 503 Status.
    const unavailable = http.createServer((_req, res) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "ServiceUnavailable", message: "the datastore is unavailable", code: 503 }));
    });
    await new Promise<void>((r) => unavailable.listen(0, "127.0.0.1", () => r()));
    const stubUrl = `http://127.0.0.1:${(unavailable.address() as AddressInfo).port}`;
    const client = new ApiClient({ server: stubUrl, servers: [c.url], token: servers[0]!.token, ca: c.caPem });
    const reasons: string[] = [];
    client.onFailover = (_f, _t, reason) => reasons.push(reason);
    try {
      expect((await client.get("ConfigMap", "through-c", "default")).metadata.name).toBe("through-c");
      expect(client.server).toBe(c.url);
      expect(reasons[0]).toMatch(/datastore is unavailable/);
    } finally {
      client.close();
      unavailable.close();
    }
    const gone = new ApiClient({ server: "http://127.0.0.1:9,http://127.0.0.1:7", token: "x" });
    const err = await gone.list("ConfigMap").then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toBe("cannot reach the API server at http://127.0.0.1:9, http://127.0.0.1:7: connection refused");
    gone.close();
  });
});

describe("kctl server --join on restart", () => {
  it("a joined data dir starts again with --join while the server it joined from is down", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-ha-rejoin-"));
    dirs.push(dir);
    const serverToken = servers[2]!.server.serverToken!;
    installClusterKeys(dir, await fetchClusterKeys(servers[2]!.url, serverToken));
    const p = startKctl(["server", "--join", "https://127.0.0.1:9", "--token", serverToken, "--datastore-endpoint", ETCD_ENDPOINTS.join(","), "--datastore-prefix", prefix, "--data-dir", dir, "--no-kubelet", "--listen", "127.0.0.1:0", "--kubeconfig", path.join(dir, "config")]);
    try {
      await p.waitFor((o) => o.includes("kctl server is running"), 30_000);
      expect(p.stderr()).toContain("joined before");
      expect(fs.readFileSync(path.join(dir, "pki", "ca.crt"), "utf8")).toBe(servers[0]!.caPem);
    } finally {
      p.child.kill("SIGKILL");
      await p.kill();
    }
  }, 60_000);
});

describe("kctl server --join: bad input is one line, exit 1, nothing written", () => {
  const join = async (url: string, token: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-ha-bad-join-"));
    dirs.push(dir);
    const r = await kctl(["server", "--join", url, "--token", token, "--datastore-endpoint", ETCD_ENDPOINTS.join(","), "--datastore-prefix", prefix, "--data-dir", dir, "--no-kubelet", "--listen", "127.0.0.1:0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(fs.existsSync(path.join(dir, "pki", "ca.key"))).toBe(false);
    return r.stderr;
  };

  it("a server that is down", async () => {
    const serverToken = servers[2]!.server.serverToken!;
    const err = await join("https://127.0.0.1:9", serverToken);
    expect(err).toMatch(/^error: cannot join https:\/\/127\.0\.0\.1:9: cannot fetch the cluster CA .*ECONNREFUSED/m);
  }, 30_000);

  it("a token whose CA hash is not the server's", async () => {
    const t = parseJoinToken(servers[2]!.server.serverToken!)!;
    const err = await join(servers[2]!.url, formatJoinToken("0".repeat(64), t.id, t.secret));
    expect(err).toMatch(/the server's CA does not match the token .*nothing was sent/);
  }, 30_000);

  it("an agent's join token gets 403", async () => {
    const err = await join(servers[2]!.url, servers[0]!.nodeToken);
    expect(err).toMatch(/this token may join agents, not servers/);
  }, 30_000);
});
