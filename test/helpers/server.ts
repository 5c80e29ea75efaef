/**
 * A real API server for integration tests: ephemeral port on 127.0.0.1, a real SQLite file in a
 * temp dir (removed on close), and a client with the admin token.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startApiServer, type RunningApiServer, type StartOptions } from "../../apiserver/index.js";
import { ApiClient } from "../../lib/client.js";

export interface TestServer {
  url: string;
  token: string;
  nodeToken: string;
  dataDir: string;
  kubeconfigPath: string;
  client: ApiClient;
  /** the running server (its fastify app is `server.app`) */
  server: RunningApiServer;
  /** Stop and start again on the same data dir (new port; `url`/`client` are updated). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export type TestServerOptions = Partial<Omit<StartOptions, "dataDir" | "listen">> & { dataDir?: string };

/** Start a server; `close()` stops it and removes the temp data dir. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "kctl-test-"));
  const start = () => startApiServer({ ...opts, dataDir, listen: "127.0.0.1:0" });
  let server = await start();
  const t: TestServer = {
    url: server.url,
    token: server.adminToken,
    nodeToken: server.nodeToken,
    dataDir,
    kubeconfigPath: server.kubeconfigPath,
    client: new ApiClient({ server: server.url, token: server.adminToken }),
    server,
    async restart() {
      t.client.close();
      await server.close();
      server = await start();
      t.server = server;
      t.url = server.url;
      t.token = server.adminToken;
      t.nodeToken = server.nodeToken;
      t.client = new ApiClient({ server: server.url, token: server.adminToken });
    },
    async close() {
      t.client.close();
      await server.close();
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
