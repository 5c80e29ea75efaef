/**
 * Node credentials: what a joining agent gets in exchange for a join token. One bearer token per
 * node, bound to `system:node:<name>` (the node rules in authz/node.ts apply to it), and a kubelet
 * serving certificate signed by the cluster CA for the key the agent generated (CSR), so the API
 * server can verify the kubelet it proxies logs/exec to. Issuing a credential for a name revokes
 * the name's previous one: a node re-installed under the same name simply joins again.
 */
import type { Logger } from "pino";
import { NODE_USER_PREFIX, type TokenAuth } from "./auth.js";
import { issueLeaf, nodeCommonName, signKubeletCsr, type CertAndKey, type Pki } from "../pki/index.js";

/** What the agent stores (mode 0600) and uses from then on. */
export interface NodeCredential {
  nodeName: string;
  /** bearer token of `system:node:<nodeName>` */
  token: string;
  /** kubelet serving certificate (CN system:node:<nodeName>, SANs: name + addresses) */
  certPem: string;
  /** only when the server generated the key (in-process kubelets); a joining agent keeps its own */
  keyPem?: string;
  /** the cluster CA */
  caPem: string;
}

export interface NodeCredentialRequest {
  nodeName: string;
  /** the node's addresses (kubelet certificate SANs) */
  addresses: string[];
  /** PKCS#10 request for the agent's key; without one the server makes the key (in-process use) */
  csrPem?: string;
  /** who asked, for the log and the token's description */
  requestedBy: string;
  /**
   * In-process kubelets only: a serving certificate + key the server already holds for this node
   * (checked by the caller: this CA, this name, these addresses, not near expiry), used instead of
   * issuing one. The bearer token is new either way.
   */
  serving?: CertAndKey;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True when `name` can be a Node name (DNS-1123 subdomain). */
export function validNodeName(name: unknown): name is string {
  return typeof name === "string" && name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

/** Revoke the node's old credential and issue a new one. */
export async function issueNodeCredential(tokens: TokenAuth, pki: Pki, req: NodeCredentialRequest, now: Date, logger?: Logger): Promise<NodeCredential> {
  const user = `${NODE_USER_PREFIX}${req.nodeName}`;
  let certPem: string;
  let keyPem: string | undefined;
  if (req.serving) ({ certPem, keyPem } = req.serving);
  else if (req.csrPem) certPem = await signKubeletCsr(pki.ca, req.csrPem, req.nodeName, req.addresses, now);
  else ({ certPem, keyPem } = await issueLeaf(pki.ca, nodeCommonName(req.nodeName), [req.nodeName, ...req.addresses], ["server"], now));
  const revoked = tokens.revokeName(user, "node");
  const token = tokens.createToken("node", user, { description: `node credential, issued ${now.toISOString()} to ${req.requestedBy}` });
  logger?.info({ node: req.nodeName, requestedBy: req.requestedBy, revokedPrevious: revoked }, "issued node credential");
  return { nodeName: req.nodeName, token, certPem, ...(keyPem ? { keyPem } : {}), caPem: pki.caPem };
}
