/**
 * A real API server for integration tests: ephemeral port on 127.0.0.1, a real SQLite file in a
 * temp dir (removed on close), and a client with the admin token. Plain HTTP on loopback by
 * default (raw fetch/http in many tests); `tls: true` serves HTTPS with the cluster PKI, as
 * `kctl server` does, and the helper's client trusts the cluster CA.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startApiServer, type RunningApiServer, type StartOptions } from "../../apiserver/index.js";
import { ApiClient } from "../../lib/client.js";
import { ETCD_ENDPOINTS, freshPrefix } from "./etcd.js";

export interface TestServer {
  url: string;
  token: string;
  /** the default join token (K10<CA hash>::<id>.<secret>) */
  nodeToken: string;
  dataDir: string;
  kubeconfigPath: string;
  client: ApiClient;
  /** PEM of the cluster CA (clients of a `tls: true` server must trust it) */
  caPem: string;
  /** the running server (its fastify app is `server.app`) */
  server: RunningApiServer;
  /** A node credential (token + kubelet certificate and key) issued in process. */
  nodeCredential(nodeName: string, addresses?: string[]): ReturnType<RunningApiServer["nodeCredential"]>;
  /** Stop and start again on the same data dir (new port; `url`/`client` are updated). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export type TestServerOptions = Partial<Omit<StartOptions, "dataDir" | "listen" | "tls">> & {
  dataDir?: string;
  /**
   * Serve HTTPS with the cluster PKI (CA + serving certificate in the data dir). Needed by real
   * kubectl and @kubernetes/client-node, which refuse to send bearer tokens over plain HTTP.
   */
  tls?: boolean;
};

/** Start a server; `close()` stops it and removes the temp data dir. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "kctl-test-"));
  const { tls: wantTls, dataDir: _d, ...rest } = opts;
  // KCTL_TEST_DATASTORE=etcd runs a suite's servers on the local etcd (scripts/etcd.sh), each on a fresh prefix.
  if (process.env.KCTL_TEST_DATASTORE === "etcd" && !rest.datastore) rest.datastore = { endpoints: ETCD_ENDPOINTS, prefix: freshPrefix() };
  const clientFor = (srv: RunningApiServer) => new ApiClient({ server: srv.url, token: srv.adminToken, ca: srv.caPem });
  const start = () => startApiServer({ ...rest, dataDir, listen: "127.0.0.1:0", tls: wantTls ? undefined : false });
  let server = await start();
  const t: TestServer = {
    url: server.url,
    token: server.adminToken,
    nodeToken: server.nodeToken,
    dataDir,
    caPem: server.pki.caPem,
    kubeconfigPath: server.kubeconfigPath,
    client: clientFor(server),
    server,
    nodeCredential: (nodeName, addresses) => t.server.nodeCredential(nodeName, addresses),
    async restart() {
      // server first: open watches then end cleanly instead of being cut by the client agent
      await server.close();
      // Let the old client read what is already in its sockets (final watch chunks) before its
      // agent is destroyed; callers holding it see clean ends, not resets.
      const old = t.client;
      setTimeout(() => old.close(), 1000).unref();
      server = await start();
      t.server = server;
      t.url = server.url;
      t.token = server.adminToken;
      t.nodeToken = server.nodeToken;
      t.client = clientFor(server);
    },
    async close() {
      await server.close();
      t.client.close();
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
