/**
 * A pod's effective requests and limits, as Kubernetes' resourcehelper.PodRequests/PodLimits
 * compute them (pure): the sum over its containers, raised to any single init container's if
 * larger. A container's unset request defaults to its limit (the API server's defaulting in
 * Kubernetes). Only resources some container names appear in the result.
 */
import { cmp, parseQuantity, sum, type Quantity } from "./quantity.js";
import type { Container, Pod } from "./types.js";

/** Resource name → amount. */
export type ResourceAmounts = Map<string, Quantity>;

function effective(pod: Pod, of: (c: Container) => Record<string, string> | undefined): ResourceAmounts {
  const out: ResourceAmounts = new Map();
  for (const c of pod.spec?.containers ?? []) {
    for (const [name, v] of Object.entries(of(c) ?? {})) {
      const q = parseQuantity(v);
      const had = out.get(name);
      out.set(name, had ? sum([had, q]) : q);
    }
  }
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [name, v] of Object.entries(of(c) ?? {})) {
      const q = parseQuantity(v);
      const had = out.get(name);
      if (!had || cmp(q, had) > 0) out.set(name, q);
    }
  }
  return out;
}

/** The pod's requests (a container's limit stands in for its unset request). */
export function podRequests(pod: Pod): ResourceAmounts {
  return effective(pod, (c) => ({ ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) }));
}

/** The pod's limits. */
export function podLimits(pod: Pod): ResourceAmounts {
  return effective(pod, (c) => c.resources?.limits);
}

/** The per-resource sum over several pods' amounts. */
export function totalAmounts(list: Iterable<ResourceAmounts>): ResourceAmounts {
  const out: ResourceAmounts = new Map();
  for (const amounts of list) {
    for (const [name, q] of amounts) {
      const had = out.get(name);
      out.set(name, had ? sum([had, q]) : q);
    }
  }
  return out;
}
