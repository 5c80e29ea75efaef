/**
 * Join tokens in k3s' secure format, shared by the server (which prints them) and the agent
 * (which checks the server against them before sending anything secret):
 *
 *   K10<sha256 hex of the cluster CA certificate, PEM bytes exactly as served on /cacerts>::<id>.<secret>
 *
 * As in k3s for a self-signed cluster CA, the hash is over the PEM text, not the DER: the agent
 * hashes the bytes it downloads, so nothing needs parsing before the check. `<id>.<secret>` is a
 * kubeadm-style bootstrap token: a 6-character public id (for list/revoke) and a 16-character
 * secret, both [a-z0-9]; the server keeps only the secret's SHA-256.
 */
import { createHash, randomInt } from "node:crypto";

export const JOIN_TOKEN_PREFIX = "K10";
const ID_RE = /^[a-z0-9]{6}$/;
const SECRET_RE = /^[a-z0-9]{16}$/;
const FULL_RE = /^K10([0-9a-f]{64})::([a-z0-9]{6})\.([a-z0-9]{16})$/;
const SHORT_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** A parsed join token; `caHash` is absent for the short `<id>.<secret>` form. */
export interface JoinToken {
  caHash?: string;
  id: string;
  secret: string;
}

/** SHA-256 (hex) of the CA certificate bytes, as the token pins them. */
export function caHash(caPem: string | Buffer): string {
  return createHash("sha256").update(caPem).digest("hex");
}

/** `K10<hash>::<id>.<secret>` */
export function formatJoinToken(hash: string, id: string, secret: string): string {
  return `${JOIN_TOKEN_PREFIX}${hash}::${id}.${secret}`;
}

/** Parse the full or short form; undefined for anything else (e.g. a plain bearer token). */
export function parseJoinToken(text: string): JoinToken | undefined {
  const t = text.trim();
  const full = FULL_RE.exec(t);
  if (full) return { caHash: full[1]!, id: full[2]!, secret: full[3]! };
  const short = SHORT_RE.exec(t);
  return short ? { id: short[1]!, secret: short[2]! } : undefined;
}

/** True when `text` looks like a join token in either form (cheap: no hashing). */
export function isJoinToken(text: string): boolean {
  return parseJoinToken(text) !== undefined;
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomText(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** A fresh id and secret (CSPRNG; ~82 bits in the secret, as kubeadm's bootstrap tokens). */
export function newJoinCredentials(): { id: string; secret: string } {
  return { id: randomText(6), secret: randomText(16) };
}

export const isJoinTokenId = (s: string): boolean => ID_RE.test(s);
export const isJoinTokenSecret = (s: string): boolean => SECRET_RE.test(s);
