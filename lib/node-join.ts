/**
 * The agent's side of joining a cluster (k3s' TLS bootstrapping):
 *
 *   1. GET /cacerts with TLS verification off and no credentials.
 *   2. SHA-256 of those bytes must equal the hash in the K10 token; otherwise stop: the server is
 *      not the one the token was made for (a man in the middle) and the secret is never sent.
 *   3. Only then POST the join secret, over TLS verified against that CA, with a CSR for the
 *      kubelet's own key: the answer is this node's credential (bearer token of
 *      system:node:<name>) and its kubelet serving certificate.
 *   4. Keep it (mode 0600) and use it from then on; a restart reuses it, and only if the server
 *      rejects it (401: revoked, or the server was re-installed) is the join token used again.
 */
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { caHash, type JoinToken } from "./join-token.js";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Joining failed for a reason the user must act on (printed as one line). */
export class JoinError extends Error {
  /** the server did not answer at all (another server of the cluster may) */
  readonly unreachable: boolean;
  constructor(message: string, unreachable = false) {
    super(message);
    this.name = "JoinError";
    this.unreachable = unreachable;
  }
}

/** What the agent keeps in DIR/node-credential.json (mode 0600). */
export interface StoredNodeCredential {
  server: string;
  nodeName: string;
  token: string;
  caPem: string;
  /** kubelet serving certificate, signed by the cluster CA */
  certPem: string;
  /** its key, generated on this machine; never sent anywhere */
  keyPem: string;
}

export const NODE_CREDENTIAL_FILE = "node-credential.json";
const EC = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** Status and body text of one {@link httpsCall}. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/** One HTTPS request with its own connection (no pool): the join steps need per-call trust settings. */
export function httpsCall(url: URL, opts: { method: string; ca?: string; insecure?: boolean; headers?: Record<string, string>; body?: string; timeoutMs: number }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: opts.method,
        headers: { ...(opts.headers ?? {}), ...(opts.body !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(opts.body) } : {}) },
        ca: opts.ca,
        rejectUnauthorized: !opts.insecure,
        agent: false,
        timeout: opts.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** Step 1 and 2: the server's CA, checked against the token's hash (when it has one). */
export async function fetchPinnedCA(server: string, token: JoinToken, timeoutMs = 10_000): Promise<string> {
  const url = new URL("/cacerts", server);
  if (url.protocol !== "https:") throw new JoinError(`refusing to join over plain HTTP (${server}): the join token would cross the network in clear text; use the https:// URL kctl server prints`);
  let ans: HttpAnswer;
  try {
    // Verification off on purpose: we do not know the CA yet. Nothing secret is sent here.
    ans = await httpsCall(url, { method: "GET", insecure: true, timeoutMs });
  } catch (e) {
    throw new JoinError(`cannot fetch the cluster CA from ${url}: ${(e as Error).message}`, true);
  }
  if (ans.status !== 200 || !ans.body.includes("BEGIN CERTIFICATE")) throw new JoinError(`${url} did not return a CA certificate (HTTP ${ans.status})`);
  const got = caHash(ans.body);
  if (token.caHash && got !== token.caHash) {
    throw new JoinError(`the server's CA does not match the token (expected sha256 ${token.caHash}, got ${got}): possible man in the middle; nothing was sent`);
  }
  return ans.body;
}

/** A fresh kubelet key and a CSR for it. */
export async function createKubeletCsr(nodeName: string): Promise<{ csrPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=system:node:${nodeName}`, keys, signingAlgorithm: EC });
  const der = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { csrPem: csr.toString("pem") + "\n", keyPem: x509.PemConverter.encode(der, "PRIVATE KEY") + "\n" };
}

/** Step 3: exchange the join secret for a node credential (TLS verified against `caPem`). */
export async function requestNodeCredential(server: string, caPem: string, token: JoinToken, nodeName: string, addresses: string[], timeoutMs = 15_000): Promise<StoredNodeCredential> {
  const { csrPem, keyPem } = await createKubeletCsr(nodeName);
  let ans: HttpAnswer;
  try {
    ans = await httpsCall(new URL("/apis/kctl.io/v1/nodecredentials", server), {
      method: "POST",
      ca: caPem,
      headers: { authorization: `Bearer ${token.id}.${token.secret}` },
      body: JSON.stringify({ nodeName, addresses, csr: csrPem }),
      timeoutMs,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code && /CERT|SELF_SIGNED|UNABLE_TO|ALTNAME/.test(err.code)) {
      throw new JoinError(`the server's certificate is not valid for the pinned CA (${err.code}): ${err.message}; nothing was sent`);
    }
    throw new JoinError(`cannot reach ${server}: ${err.message}`, true);
  }
  if (ans.status === 401) throw new JoinError("the join token was refused (unknown, revoked or expired): make a new one with kctl token create");
  if (ans.status !== 201) throw new JoinError(`joining failed (HTTP ${ans.status}): ${statusMessage(ans.body)}`);
  const b = JSON.parse(ans.body) as { token: string; certificate: string; ca: string };
  return { server, nodeName, token: b.token, caPem: caPem, certPem: b.certificate, keyPem };
}

function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body.slice(0, 200);
  }
}

/** The stored credential, if any (and readable). */
export function loadNodeCredential(dir: string): StoredNodeCredential | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, NODE_CREDENTIAL_FILE), "utf8")) as StoredNodeCredential;
  } catch {
    return undefined;
  }
}

/** Keep the credential (0600, atomically). */
export function saveNodeCredential(dir: string, cred: StoredNodeCredential): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, NODE_CREDENTIAL_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cred, null, 2), { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Whether the server still accepts `cred` (false only on 401; other failures throw). */
async function stillValid(cred: StoredNodeCredential, server: string, timeoutMs: number): Promise<boolean> {
  const url = new URL(`/api/v1/nodes/${encodeURIComponent(cred.nodeName)}`, server);
  let ans: HttpAnswer;
  try {
    ans = await httpsCall(url, { method: "GET", ca: cred.caPem, headers: { authorization: `Bearer ${cred.token}` }, timeoutMs });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // A server whose CA changed (re-installed) rejects at the TLS layer: join again.
    if (err.code && /CERT|SELF_SIGNED|UNABLE_TO/.test(err.code)) return false;
    throw new JoinError(`cannot reach ${server}: ${err.message}`, true);
  }
  return ans.status !== 401;
}

/** Options of {@link ensureNodeCredential}. */
export interface EnsureCredentialOptions {
  server: string;
  /** every API server of the cluster (`--server A,B,C`): a credential stored from any of them is reused */
  knownServers?: string[];
  token: JoinToken;
  nodeName: string;
  addresses: string[];
  /** where the credential is kept */
  dir: string;
  timeoutMs?: number;
  /** told what happened (reused / joined), for the agent's log */
  onEvent?: (what: "reused" | "joined" | "rejoined", detail?: string) => void;
}

/** Steps 1-4: reuse the stored credential while the server accepts it, else join. */
export async function ensureNodeCredential(o: EnsureCredentialOptions): Promise<StoredNodeCredential> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const stored = loadNodeCredential(o.dir);
  const sameCluster = stored && (o.knownServers ?? [o.server]).concat(o.server).includes(stored.server) && stored.nodeName === o.nodeName && (!o.token.caHash || caHash(stored.caPem) === o.token.caHash);
  if (stored && sameCluster && (await stillValid(stored, o.server, timeoutMs))) {
    o.onEvent?.("reused");
    return stored;
  }
  const caPem = await fetchPinnedCA(o.server, o.token, timeoutMs);
  const cred = await requestNodeCredential(o.server, caPem, o.token, o.nodeName, o.addresses, timeoutMs);
  saveNodeCredential(o.dir, cred);
  o.onEvent?.(stored ? "rejoined" : "joined", stored && !sameCluster ? "the stored credential was for another server or node" : undefined);
  return cred;
}
