/**
 * The joining server's side of `kctl server --join https://FIRST:6443 --token K10<hash>::<id>.<secret>`:
 *
 *   1. GET /cacerts unverified; its SHA-256 must equal the token's hash (as an agent checks it),
 *      otherwise stop before the token is sent anywhere.
 *   2. GET /apis/kctl.io/v1/serverbootstrap over TLS verified against that CA, with the token:
 *      the CA key and the Secret encryption keys (a server token only; an agent's gets 403).
 *
 * The caller writes what it gets into its data dir (apiserver: installClusterKeys) and starts.
 */
import { fetchPinnedCA, httpsCall, JoinError, type HttpAnswer } from "./node-join.js";
import { parseJoinToken } from "./join-token.js";

/** What the first server hands a joining one. */
export interface ClusterKeys {
  caCert: string;
  caKey: string;
  secretsKey: string;
  servers: string[];
}

/** Steps 1-2; every failure is a JoinError with one line saying what to do. */
export async function fetchClusterKeys(server: string, tokenText: string, timeoutMs = 10_000): Promise<ClusterKeys> {
  const token = parseJoinToken(tokenText);
  if (!token) throw new JoinError("--token is not a join token (K10<CA hash>::<id>.<secret>): use the first server's server-token file or kctl token create --server");
  if (!token.caHash) throw new JoinError("--join needs the full token (K10<CA hash>::<id>.<secret>): the CA hash is what proves the first server is the right one");
  const base = server.replace(/\/+$/, "");
  const caPem = await fetchPinnedCA(base, token, timeoutMs);
  let ans: HttpAnswer;
  try {
    ans = await httpsCall(new URL("/apis/kctl.io/v1/serverbootstrap", base), { method: "GET", ca: caPem, headers: { authorization: `Bearer ${token.id}.${token.secret}` }, timeoutMs });
  } catch (e) {
    throw new JoinError(`cannot fetch the cluster keys from ${base}: ${(e as Error).message}`);
  }
  if (ans.status === 401) throw new JoinError("the server token was refused (unknown, revoked or expired): make a new one on a running server with kctl token create --server");
  if (ans.status === 403) throw new JoinError("this token may join agents, not servers: use the first server's server-token file or kctl token create --server");
  if (ans.status !== 200) throw new JoinError(`fetching the cluster keys from ${base} failed (HTTP ${ans.status})`);
  const b = JSON.parse(ans.body) as Partial<ClusterKeys>;
  if (typeof b.caCert !== "string" || typeof b.caKey !== "string" || typeof b.secretsKey !== "string") throw new JoinError(`${base} answered without the cluster keys`);
  if (b.caCert !== caPem) throw new JoinError(`${base} sent a CA other than the one its token pins; nothing was written`);
  return { caCert: b.caCert, caKey: b.caKey, secretsKey: b.secretsKey, servers: Array.isArray(b.servers) ? b.servers.filter((s): s is string => typeof s === "string") : [] };
}
