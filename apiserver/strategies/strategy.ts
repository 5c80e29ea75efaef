/**
 * A per-kind strategy: Kubernetes' defaulting, validation and create/update preparation for one
 * kind. The generic registry calls these hooks; kinds without special rules use the defaults.
 */
import type { KObject } from "../../lib/types.js";
import type { DeleteOptions } from "../registry.js";
import type { Printer } from "../../lib/printers/printer.js";
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
  /** the columns `kubectl get` shows (server-side Table printing); absent: Name + Age */
  printer?: Printer;
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

  // ---- deletion (the registry's generic delete asks these; absent = Kubernetes' defaults)

  /**
   * Seconds a delete waits before the object goes (graceful deletion: a pod's containers get
   * time to stop); 0 or absent removes it at once (after its finalizers).
   */
  deletionGraceSeconds?(obj: KObject, opts: DeleteOptions): number;
  /**
   * Whether an object whose finalizers are all gone may be removed now. Default: when its
   * deletion grace is over (a graceful pod stays until the kubelet deletes it again).
   */
  readyToRemove?(obj: KObject, ctx: RemovalContext): boolean;
  /**
   * Deleting one of these deletes everything inside it (by namespace) in the same transaction,
   * and it stays Terminating until that is gone: the namespace lifecycle.
   */
  containsNamespacedObjects?: boolean;
  /** Why an object may not be deleted at all, or undefined (system namespaces). */
  undeletable?(name: string): string | undefined;
  /** A delete answers with the object (as Pods and Services do in Kubernetes), not a Status. */
  deleteAnswersWithObject?: boolean;
}

/** What `readyToRemove` may ask the registry. */
export interface RemovalContext {
  /** no namespaced object of any kind is left in this namespace */
  namespaceEmpty(namespace: string): boolean;
}
