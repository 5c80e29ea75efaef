/**
 * A bound on how many of the engine's costly calls run at once. Per-pod workers let every pod
 * sync at the same time; the engine, though, serialises much of container creation (layer
 * mounts, network namespace set-up) and gets slower, not faster, when hundreds of creates
 * arrive together. So the calls that create, start and remove containers queue here, and only
 * those: a `docker stop` that waits out a grace period, an exec or a pull never holds a slot, so
 * a long termination cannot delay another pod's start.
 */
import type { ContainerRuntime } from "./types.js";

/** A counting semaphore: `run(fn)` waits for a free slot, runs `fn`, frees the slot. */
export class Limiter {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Run `fn` once fewer than `limit` calls are in progress. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      // the slot passes straight to the next waiter (active stays the same)
      if (next) next();
      else this.active--;
    }
  }

  /** Calls in progress right now. */
  inFlight(): number {
    return this.active;
  }
}

/** The engine calls {@link limitRuntime} bounds. */
const LIMITED = ["createSandbox", "startSandbox", "runSandbox", "createContainer", "startContainer", "removeContainer"] as const;

/**
 * `runtime` with at most `limit` create/start/remove calls in flight; every other call passes
 * straight through.
 */
export function limitRuntime(runtime: ContainerRuntime, limit: number): ContainerRuntime {
  const limiter = new Limiter(Math.max(1, limit));
  const limited: Partial<ContainerRuntime> = {};
  for (const name of LIMITED) {
    const fn = runtime[name] as (...args: unknown[]) => Promise<unknown>;
    (limited as Record<string, unknown>)[name] = (...args: unknown[]) => limiter.run(() => fn.apply(runtime, args));
  }
  return new Proxy(runtime, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && prop in limited) return (limited as Record<string, unknown>)[prop];
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value);
    },
  });
}
