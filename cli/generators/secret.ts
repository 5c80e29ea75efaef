/**
 * The Secrets kubectl generates: `create secret generic` (data from the --from-* sources, type
 * only when --type is given), `create secret tls` (tls.crt + tls.key, checked to be a matching
 * PEM pair) and `create secret docker-registry` (a .dockerconfigjson with one auths entry).
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import fs from "node:fs";
import type { Secret } from "../../lib/types.js";
import { UserError } from "../errors-output.js";
import { readDataSources, type DataSourceFlags } from "./data-sources.js";

function secret(name: string, data: Record<string, string>, type: string | undefined, namespace?: string): Secret {
  return {
    apiVersion: "v1",
    data,
    kind: "Secret",
    metadata: { name, ...(namespace ? { namespace } : {}) },
    ...(type ? { type } : {}),
  };
}

function base64Sorted(entries: Map<string, Buffer>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...entries.keys()].sort()) out[key] = entries.get(key)!.toString("base64");
  return out;
}

/** `create secret generic NAME`. */
export function generateGenericSecret(name: string, flags: DataSourceFlags, type?: string, namespace?: string): Secret {
  return secret(name, base64Sorted(readDataSources(flags, { kind: "Secret", name })), type, namespace);
}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`error reading ${what} ${file}: ${code === "ENOENT" ? "no such file or directory" : (e as Error).message}`);
  }
}

/** `create secret tls NAME --cert=FILE --key=FILE`: refuses files that are not a matching pair, as kubectl does. */
export function generateTlsSecret(name: string, certFile: string | undefined, keyFile: string | undefined, namespace?: string): Secret {
  if (!certFile || !keyFile) throw new UserError("key and cert must be specified");
  const cert = readPem(certFile, "certificate");
  const key = readPem(keyFile, "key");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new UserError(`failed to load key pair tls: failed to find any PEM data in certificate input (${certFile})`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new UserError(`failed to load key pair tls: failed to find any PEM data in key input (${keyFile})`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new UserError("failed to load key pair tls: private key does not match public key");
  return secret(name, { "tls.crt": cert.toString("base64"), "tls.key": key.toString("base64") }, "kubernetes.io/tls", namespace);
}

export interface DockerRegistryOptions {
  server: string;
  username?: string;
  password?: string;
  email?: string;
  /** `--from-file` sources (an existing .dockerconfigjson) instead of the credentials */
  fromFile: readonly string[];
}

/** `create secret docker-registry NAME`: kubectl's `{"auths":{SERVER:{username,password,email,auth}}}`. */
export function generateDockerRegistrySecret(name: string, o: DockerRegistryOptions, namespace?: string): Secret {
  if (o.fromFile.length) {
    const entries = readDataSources({ fromFile: o.fromFile, fromLiteral: [], fromEnvFile: [] }, { kind: "Secret", name });
    return secret(name, base64Sorted(entries), "kubernetes.io/dockerconfigjson", namespace);
  }
  if (!o.username) throw new UserError("username must be specified");
  if (!o.password) throw new UserError("password must be specified");
  if (!o.server) throw new UserError("server must be specified");
  const entry = {
    username: o.username,
    password: o.password,
    ...(o.email ? { email: o.email } : {}),
    auth: Buffer.from(`${o.username}:${o.password}`).toString("base64"),
  };
  const json = JSON.stringify({ auths: { [o.server]: entry } });
  return secret(name, { ".dockerconfigjson": Buffer.from(json).toString("base64") }, "kubernetes.io/dockerconfigjson", namespace);
}
