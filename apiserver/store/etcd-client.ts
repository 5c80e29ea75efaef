/**
 * The etcd v3 client the etcd store and nothing else uses (the etcd3 package: gRPC, retries,
 * watch reconnection), set up to fail fast: every call has a deadline, a failing member is
 * skipped for a second (circuit breaker) and a call is tried on at most three members, so an API
 * request answers 503/504 within seconds when etcd is gone instead of hanging.
 */
import fs from "node:fs";
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen, retry } from "cockatiel";
import { Etcd3, GRPCDeadlineExceededError, isRecoverableError } from "etcd3";
import { ApiError } from "../../lib/errors.js";

/** Where etcd is and how to authenticate to it (`kctl server --datastore-*`). */
export interface EtcdConnection {
  /** `http://127.0.0.1:2379`, or https:// with the TLS files below */
  endpoints: string[];
  /** CA bundle that signed etcd's serving certificate */
  caFile?: string;
  /** client certificate and key, when etcd requires client certificates */
  certFile?: string;
  keyFile?: string;
  /** deadline of one call to etcd (default 3 s) */
  callTimeoutMs?: number;
}

/** A client for `c`. Reads the TLS files now: a missing file fails here, by name. */
export function connectEtcd(c: EtcdConnection): Etcd3 {
  const read = (f: string | undefined, flag: string): Buffer | undefined => {
    if (!f) return undefined;
    try {
      return fs.readFileSync(f);
    } catch (e) {
      throw new Error(`${flag}: cannot read ${f}: ${(e as Error).message}`);
    }
  };
  const ca = read(c.caFile, "--datastore-cafile");
  const cert = read(c.certFile, "--datastore-certfile");
  const key = read(c.keyFile, "--datastore-keyfile");
  if ((cert && !key) || (key && !cert)) throw new Error("--datastore-certfile and --datastore-keyfile go together");
  const timeout = c.callTimeoutMs ?? 3_000;
  return new Etcd3({
    hosts: c.endpoints,
    ...(ca || cert ? { credentials: { rootCertificate: ca ?? Buffer.alloc(0), ...(cert && key ? { certChain: cert, privateKey: key } : {}) } } : {}),
    dialTimeout: timeout,
    // Lists of 10,000 objects exceed gRPC's default 4 MiB message limit.
    grpcOptions: { "grpc.max_receive_message_length": 512 * 1024 * 1024 },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    faultHandling: {
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(2) }),
      global: retry(handleWhen(isRecoverableError), { maxAttempts: Math.min(2, c.endpoints.length), backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 300 }) }),
      // A started backoff (the package reads its first `duration` before calling `next`).
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }).next(),
    },
  });
}

/** An etcd failure as the API answers it: 504 when etcd did not answer in time, else 503. */
export function unavailable(e: unknown, endpoints: readonly string[]): ApiError {
  if (e instanceof ApiError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof GRPCDeadlineExceededError || /deadline/i.test(msg)) {
    return new ApiError("Timeout", `the datastore (etcd at ${endpoints.join(",")}) did not answer in time: ${msg}`);
  }
  return new ApiError("ServiceUnavailable", `the datastore (etcd at ${endpoints.join(",")}) is unavailable: ${msg}`);
}
