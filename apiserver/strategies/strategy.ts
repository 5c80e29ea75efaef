/**
 * A per-kind strategy: Kubernetes' defaulting, validation and create/update preparation for one
 * kind. The generic registry calls these hooks; kinds without special rules use the defaults.
 */
import type { KObject } from "../../lib/types.js";
import type { StoreView } from "../store/store.js";
import type { FieldErrors } from "../validation/field-errors.js";
import type { NameRule } from "../validation/names.js";

/** What a strategy may look at besides the object itself. */
export interface StrategyContext {
  /** the latest state (committed plus pending writes): allocation must see writes of this turn */
  store: StoreView;
  /** the service ClusterIP range, e.g. 10.96.0.0/12 */
  serviceCidr: string;
}

export interface Strategy {
  /** how metadata.name is validated */
  nameRule: NameRule;
  /** Rewrite write-only conveniences before anything else (Secret stringData). */
  normalize?(obj: KObject): void;
  /** Reset fields a client may not set on create (status of most kinds). */
  prepareForCreate?(obj: KObject): void;
  /** Apply Kubernetes defaults in place (create and update). */
  defaults?(obj: KObject): void;
  /** Validation of `status` (create, update, and writes to the status subresource). */
  validateStatus?(obj: KObject, errs: FieldErrors): void;
  /** Kind-specific validation; `old` is set on update. */
  validate?(obj: KObject, old: KObject | undefined, errs: FieldErrors): void;
  /** Allocate or check cluster-wide resources (ClusterIPs, NodePorts) right before the write. */
  allocate?(obj: KObject, old: KObject | undefined, ctx: StrategyContext, errs: FieldErrors): void;
}
