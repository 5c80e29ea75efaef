/**
 * Kubernetes' ControllerRefManager claim, as one pure function shared by the ReplicaSet (pods)
 * and Deployment (ReplicaSets) plans:
 *
 *   controlled by the owner + matches the selector   claimed
 *   controlled by the owner, no longer matches        released (unless the owner is being deleted)
 *   no controller + matches                           adopted and claimed (unless owner or object
 *                                                     is being deleted: Kubernetes never adopts then)
 *   controlled by someone else, or another namespace  ignored
 */
import type { Selector } from "../../lib/selector.js";
import type { KObject } from "../../lib/types.js";
import { controllerRef, isTerminating } from "./pods.js";

/** What a claim decided. `adopt` holds what `adopted` made of each orphan (also in `claimed`). */
export interface Claim<T> {
  claimed: T[];
  adopt: T[];
  release: T[];
}

/** Claim `candidates` for `owner` by `selector`; `adopted` may return the orphan as it will be once owned. */
export function claim<T extends KObject>(owner: KObject, selector: Selector, candidates: readonly T[], adopted: (orphan: T) => T = (o) => o): Claim<T> {
  const out: Claim<T> = { claimed: [], adopt: [], release: [] };
  const ownerDeleting = isTerminating(owner);
  for (const obj of candidates) {
    if (obj.metadata.namespace !== owner.metadata.namespace) continue;
    const ref = controllerRef(obj);
    const matches = selector.matches(obj.metadata.labels);
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (matches) out.claimed.push(obj);
      else if (!ownerDeleting) out.release.push(obj);
    } else if (matches && !ownerDeleting && !isTerminating(obj)) {
      const owned = adopted(obj);
      out.adopt.push(owned);
      out.claimed.push(owned);
    }
  }
  return out;
}
