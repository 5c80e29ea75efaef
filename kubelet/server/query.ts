/** Parsing the kubelet server's query strings (Kubernetes PodLogOptions / PodExecOptions). */
import { badRequest } from "../../lib/errors.js";
import type { AttachRequest } from "./attach.js";
import type { ExecRequest } from "./exec.js";
import type { LogRequest } from "./logs.js";

/** A parsed query string: repeated keys become arrays. */
export type QueryValues = Record<string, string | string[] | undefined>;

function one(q: QueryValues, key: string): string | undefined {
  const v = q[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** `true`, `1` (any case) and a bare `?flag` are true; anything else false. */
export function flag(q: QueryValues, key: string): boolean {
  const v = one(q, key);
  if (v === undefined) return false;
  return v === "" || v === "1" || v.toLowerCase() === "true";
}

function int(q: QueryValues, key: string, min: number): number | undefined {
  const v = one(q, key);
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw badRequest(`${key}: must be an integer >= ${min}, got "${v}"`);
  return n;
}

/** PodLogOptions from the query. */
export function parseLogQuery(q: QueryValues): LogRequest & { previous: boolean } {
  const tail = int(q, "tailLines", 0);
  return {
    follow: flag(q, "follow"),
    timestamps: flag(q, "timestamps"),
    previous: flag(q, "previous"),
    tailLines: tail,
    sinceSeconds: int(q, "sinceSeconds", 1),
    sinceTime: one(q, "sinceTime"),
    limitBytes: int(q, "limitBytes", 1),
  };
}

/** PodExecOptions from the query; at least one command word is required. */
export function parseExecQuery(q: QueryValues): ExecRequest {
  const raw = q.command;
  const command = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (command.length === 0) throw badRequest("you must specify at least one command for the container");
  const req: ExecRequest = {
    command,
    stdin: flag(q, "stdin") || flag(q, "input"),
    stdout: q.stdout === undefined && q.output === undefined ? true : flag(q, "stdout") || flag(q, "output"),
    stderr: q.stderr === undefined && q.error === undefined ? true : flag(q, "stderr") || flag(q, "error"),
    tty: flag(q, "tty"),
  };
  if (req.tty) req.stderr = false; // a terminal has one output stream, as in Kubernetes
  return req;
}

/** PodAttachOptions from the query (stdout and stderr default to true, as exec's). */
export function parseAttachQuery(q: QueryValues): AttachRequest {
  const req: AttachRequest = {
    stdin: flag(q, "stdin") || flag(q, "input"),
    stdout: q.stdout === undefined && q.output === undefined ? true : flag(q, "stdout") || flag(q, "output"),
    stderr: q.stderr === undefined && q.error === undefined ? true : flag(q, "stderr") || flag(q, "error"),
    tty: flag(q, "tty"),
  };
  if (req.tty) req.stderr = false;
  return req;
}
