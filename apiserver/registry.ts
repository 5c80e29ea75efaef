/**
 * The generic REST logic behind every resource: server-set metadata, the strategy hooks
 * (defaults, validation, allocation), optimistic concurrency, the status/spec split, graceful
 * deletion with finalizers, namespace termination, binding and scale. Everything between reading
 * the current object and committing the write is synchronous, so the in-memory state cannot
 * change under a request: two racing updates with the same resourceVersion see exactly one win.
 */
import { legacyDefaults } from "../lib/legacy-versions.js";
import { recordUpdate, type Writer } from "./fieldmanager/managed-fields.js";
import { schemaOfKind } from "../lib/schema/index.js";
import { randomUUID } from "node:crypto";
import { alreadyExists, ApiError, isAlreadyExists, badRequest, conflict, forbidden, invalid, notFound, type FieldError } from "../lib/errors.js";
import { acceptsApiVersion, groupVersion, RESOURCES, resourceForKind, type ResourceInfo } from "../lib/kinds.js";
import { labelSelectorToString } from "../lib/selector.js";
import type { KObject, ObjectMeta, Pod, PodCondition, Scale } from "../lib/types.js";
import { deepEqual } from "../lib/json.js";
import { cloneFromJson, generateName, nowTimestamp } from "./object-util.js";
import { strategyFor } from "./strategies/index.js";
import type { StrategyContext } from "./strategies/strategy.js";
import { storedEntry } from "./store/stored-entry.js";
import { objectKey, resourceId, type Store, type StoredObject, type StoreView, type WriteOp } from "./store/store.js";
import { matchesStored, type Selection } from "./store/selection.js";
import { FieldErrors, isRecord } from "./validation/field-errors.js";
import { validateObjectMeta } from "./validation/metadata.js";
import { isDns1123Subdomain } from "./validation/names.js";
import { withinDepth } from "./request-body.js";
import type { User } from "./security/auth.js";
import { admit, type AdmissionPlugin, type AdmissionRequest } from "./authz/admission.js";
import { NODE_LEASE_NAMESPACE } from "../lib/well-known.js";
import { DEFAULT_CLASS_ANNOTATION, LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER } from "../lib/storage.js";

/** `p`, with AlreadyExists (another API server created it first) counted as done. */
async function ignoreAlreadyExists(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

/** A Conflict caused by a stale view, not by the caller (see Registry.guarded). */
export class StaleRead extends ApiError {
  constructor(cause: ApiError, readonly movedOn: Promise<void>) {
    super(cause.reason, cause.message, cause.details, cause.code);
  }
}

/** Namespaces that exist from the start (strategies/namespace.ts says which may not be deleted). */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", NODE_LEASE_NAMESPACE];

/** DeleteOptions, from the body or the query. */
export interface DeleteOptions {
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** What a delete did: removed the object, or marked it (finalizers, graceful deletion). */
export type DeleteResult = { removed: true; obj: KObject; json: string } | { removed: false; obj: KObject; json: string };

interface PlannedDelete {
  op?: WriteOp;
  /** the object as it will be after the op (or as it is, when no op is needed) */
  obj: KObject;
  removed: boolean;
}

export interface RegistryOptions {
  store: Store;
  serviceCidr: string;
  /** checks on the object of a caller's create/update (authz/admission.ts), in order */
  admission?: readonly AdmissionPlugin[];
}

/** The resource logic the HTTP routes call. */
export class Registry {
  private readonly store: Store;
  /** what the write path decides on: committed plus pending writes (Store.latest) */
  private readonly view: StoreView;
  private readonly ctx: StrategyContext;
  private readonly admission: readonly AdmissionPlugin[];
  private readonly namespacedResources = RESOURCES.filter((r) => r.namespaced);

  constructor(opts: RegistryOptions) {
    this.store = opts.store;
    this.view = opts.store.latest();
    this.ctx = { store: this.view, serviceCidr: opts.serviceCidr };
    this.admission = opts.admission ?? [];
  }

  /** Create the system namespaces on first start (several servers may race: the first wins). */
  async bootstrap(): Promise<void> {
    for (const name of SYSTEM_NAMESPACES) {
      if (!this.view.get("namespaces", "", name)) {
        await ignoreAlreadyExists(this.create(nsInfo(), undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } }));
      }
    }
    // The built-in local-path class, the default (k3s' idea): volumes with nothing to install.
    // Like k3s' bundled manifests, it is put back at start when missing; users may edit it.
    if (!this.view.get("storageclasses.storage.k8s.io", "", LOCAL_PATH_CLASS)) {
      const sc = resourceForKind("StorageClass")!;
      await ignoreAlreadyExists(this.create(sc, undefined, {
        apiVersion: "storage.k8s.io/v1", kind: "StorageClass",
        metadata: { name: LOCAL_PATH_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
        provisioner: LOCAL_PATH_PROVISIONER, reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer",
      } as KObject));
    }
  }

  /** The committed object, for answers to readers (GET); 404 when absent. */
  get(ri: ResourceInfo, namespace: string | undefined, name: string): StoredObject {
    return this.found(ri, this.store.get(rid(ri), nsKey(ri, namespace), name), name);
  }

  /**
   * The latest object, committed or pending, for a read-modify-write (PATCH) in the same
   * synchronous turn as its write; never an answer by itself.
   */
  current(ri: ResourceInfo, namespace: string | undefined, name: string): StoredObject {
    return this.found(ri, this.view.get(rid(ri), nsKey(ri, namespace), name), name);
  }

  private found(ri: ResourceInfo, e: StoredObject | undefined, name: string): StoredObject {
    if (!e) throw notFound(ri.plural, name, ri.group);
    return e;
  }

  /**
   * The committed objects of a collection that pass `selection`, in key order, and the revision
   * they are at (the list's resourceVersion): one consistent answer, read in one synchronous turn.
   */
  list(ri: ResourceInfo, selection: Selection): { rev: number; items: StoredObject[] } {
    const all = this.store.list(rid(ri), selection.namespace);
    const items = selection.labels.empty && selection.fields.length === 0 ? all : all.filter((e) => matchesStored(selection, e));
    return { rev: this.store.currentRevision(), items };
  }

  /** Resolves once every write so far is committed (durable and visible); answers wait for it. */
  sync(): Promise<void> {
    return this.store.sync();
  }

  /** The committed revision. */
  revision(): number {
    return this.store.currentRevision();
  }

  // ------------------------------------------------------------------ create

  /**
   * Create. With `dryRun` everything runs (defaults, validation, allocation, conflicts) but the
   * write: the answer is the object as it would be stored (no uid-stable resourceVersion).
   * `user` (the caller; absent for the server's own writes) is what admission checks.
   */
  async create(ri: ResourceInfo, namespace: string | undefined, body: unknown, dryRun = false, user?: User, writer?: Writer): Promise<StoredObject> {
    const obj = this.checkBody(ri, body);
    const meta = obj.metadata;
    this.placeInNamespace(ri, obj, namespace);
    if (!meta.name && meta.generateName) meta.name = this.freshName(ri, meta.namespace, meta.generateName);
    if (ri.namespaced) this.requireLiveNamespace(ri, meta.namespace ?? "", meta.name ?? meta.generateName ?? "");
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    const st = strategyFor(ri.kind);
    st.normalize?.(obj);
    st.prepareForCreate?.(obj);
    st.defaults?.(obj);
    this.admit(user, { verb: "create", ri, obj });
    this.validate(ri, obj, undefined);
    this.recordWriter(ri, undefined, obj, writer);
    if (dryRun) {
      // The store's own AlreadyExists is not reached without a write: answer it here.
      if (this.view.get(rid(ri), nsKey(ri, meta.namespace), meta.name ?? "")) throw alreadyExists(ri.plural, meta.name ?? "", ri.group);
      return this.unwritten(ri, obj);
    }
    return this.store.create(rid(ri), obj);
  }

  private freshName(ri: ResourceInfo, namespace: string | undefined, prefix: string): string {
    for (let i = 0; i < 8; i++) {
      const n = generateName(prefix);
      if (!this.view.get(rid(ri), namespace ?? "", n)) return n;
    }
    throw new ApiError("AlreadyExists", `could not generate a unique name with prefix "${prefix}"`);
  }

  // ------------------------------------------------------------------ update

  /** Update (PUT, and PATCH after the patch is applied); `dryRun` and `user` as in `create`. */
  async update(ri: ResourceInfo, namespace: string | undefined, name: string, body: unknown, dryRun = false, user?: User, writer?: Writer): Promise<StoredObject> {
    const obj = this.checkBody(ri, body);
    this.checkName(obj, name);
    this.placeInNamespace(ri, obj, namespace);
    const cur = this.current(ri, namespace, name);
    const expected = this.expectedRevision(ri, obj.metadata, cur);
    const old = cur.object();
    const meta = obj.metadata;
    // Server-owned metadata always comes from the stored object.
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    setOrDelete(meta, "deletionTimestamp", old.metadata.deletionTimestamp);
    setOrDelete(meta, "deletionGracePeriodSeconds", old.metadata.deletionGracePeriodSeconds);
    if (ri.subresources.includes("status")) setOrDelete(obj, "status", old.status === undefined ? undefined : cloneFromJson(JSON.stringify(old.status)));
    const st = strategyFor(ri.kind);
    st.normalize?.(obj);
    st.defaults?.(obj);
    if (old.metadata.deletionTimestamp) {
      const before = new Set(old.metadata.finalizers ?? []);
      if ((meta.finalizers ?? []).some((f) => !before.has(f))) {
        throw invalid(ri.kind, name, [{ field: "metadata.finalizers", message: "Forbidden: no new finalizers can be added if the object is being deleted", type: "FieldValueForbidden" }], ri.group);
      }
    }
    this.admit(user, { verb: "update", ri, old, obj });
    this.validate(ri, obj, old);
    this.recordWriter(ri, old, obj, writer);
    return this.commitUpdate(ri, obj, cur, expected, dryRun, old);
  }

  /** PUT .../status: only status changes; everything else comes from the stored object. `user` as in `create`. */
  async updateStatus(ri: ResourceInfo, namespace: string | undefined, name: string, body: unknown, user?: User, writer?: Writer): Promise<StoredObject> {
    const incoming = this.checkBody(ri, body);
    this.checkName(incoming, name);
    const cur = this.current(ri, namespace, name);
    const expected = this.expectedRevision(ri, incoming.metadata, cur);
    const old = cur.object();
    const obj = cur.object();
    setOrDelete(obj, "status", incoming.status);
    const st = strategyFor(ri.kind);
    if (st.validateStatus) {
      const errs = new FieldErrors();
      st.validateStatus(obj, errs);
      if (!errs.empty) throw invalid(ri.kind, name, dedupe(errs.list), ri.group);
    }
    this.admit(user, { verb: "update", ri, subresource: "status", old, obj });
    this.recordWriter(ri, old, obj, writer && { ...writer, subresource: "status" });
    return this.commitUpdate(ri, obj, cur, expected, false, old);
  }

  /** managedFields: what this write changed is now owned by its writer (absent for the server's own writes). */
  private recordWriter(ri: ResourceInfo, old: KObject | undefined, obj: KObject, writer: Writer | undefined): void {
    const schema = writer && schemaOfKind(ri.kind);
    if (schema) recordUpdate(schema, old as unknown as Record<string, unknown> | undefined, obj as unknown as Record<string, unknown>, writer, new Date());
  }

  /** Admission (authz/admission.ts) on a caller's write, before validation and the write. */
  private admit(user: User | undefined, req: Omit<AdmissionRequest, "user">): void {
    if (user && this.admission.length > 0) admit(this.admission, { ...req, user });
  }

  /** Generation, no-op detection, finalizer-driven removal, then the write. `old` = `cur` parsed, when the caller has it. */
  private async commitUpdate(ri: ResourceInfo, obj: KObject, cur: StoredObject, expected: number | undefined, dryRun = false, old = cur.object()): Promise<StoredObject> {
    const meta = obj.metadata;
    meta.generation = (old.metadata.generation ?? 1) + (deepEqual(old.spec, obj.spec) ? 0 : 1);
    meta.resourceVersion = old.metadata.resourceVersion;
    if (expected !== undefined && expected !== cur.rev) {
      throw conflict(ri.plural, cur.name, "the object has been modified; please apply your changes to the latest version and try again", ri.group);
    }
    // Kubernetes does not write (nor bump resourceVersion) when nothing changed.
    if (deepEqual(old, obj)) return cur;
    if (dryRun) return this.unwritten(ri, obj);
    if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0 && this.readyToRemove(ri, obj)) {
      // The last finalizer is gone: the object goes away now.
      const removed = await this.guarded(this.store.delete(rid(ri), cur.namespace, cur.name, cur.rev, obj), expected === undefined, cur);
      if (ri.namespaced) await this.maybeFinishNamespace(cur.namespace);
      return removed.entry;
    }
    return this.guarded(this.store.update(rid(ri), obj, cur.rev), expected === undefined, cur);
  }

  /**
   * `write`, which was decided on `cur`: when the caller gave no resourceVersion and the store
   * answers Conflict, the conflict is this API server's view being behind its datastore (etcd:
   * another server wrote first), not the caller's; it becomes a StaleRead, which `retrying`
   * runs again once the view has moved on, as Kubernetes' GuaranteedUpdate retries. With SQLite
   * the view is never behind, and this never happens.
   */
  private async guarded<T>(write: Promise<T>, retryable: boolean, ...cur: StoredObject[]): Promise<T> {
    try {
      return await write;
    } catch (e) {
      if (!retryable || !(e instanceof ApiError) || e.reason !== "Conflict" || e instanceof StaleRead) throw e;
      throw new StaleRead(e, this.movedOn(cur));
    }
  }

  /** Resolves once the view shows a newer state of one of `cur` (or 2 s have passed). */
  private async movedOn(cur: StoredObject[]): Promise<void> {
    const deadline = Date.now() + 2_000;
    const moved = (): boolean => cur.some((c) => this.view.get(c.resource, c.namespace, c.name)?.rev !== c.rev);
    while (!moved() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * Run a read-modify-write again when it failed only because this server's view was behind
   * (StaleRead, see `guarded`); at most 5 tries. Routes wrap updates, patches and deletes in it.
   */
  async retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof StaleRead) || attempt >= 5) throw e;
        await e.movedOn;
      }
    }
  }

  /** The answer to a dry run: the object as it would have been written, not stored. */
  private unwritten(ri: ResourceInfo, obj: KObject): StoredObject {
    const resource = rid(ri);
    const namespace = obj.metadata.namespace ?? "";
    const name = obj.metadata.name ?? "";
    return storedEntry(resource, namespace, name, JSON.stringify(obj), this.store.currentRevision(), obj);
  }

  /** The kind's rule, else: an object in its deletion grace (a graceful pod) stays until deleted again. */
  private readyToRemove(ri: ResourceInfo, obj: KObject): boolean {
    const rule = strategyFor(ri.kind).readyToRemove;
    if (rule) return rule(obj, { namespaceEmpty: (ns) => this.namespaceEmpty(ns) });
    return (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0;
  }

  // ------------------------------------------------------------------ delete

  async delete(ri: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions): Promise<DeleteResult> {
    const cur = this.current(ri, namespace, name);
    this.checkPreconditions(ri, cur, opts);
    if (strategyFor(ri.kind).containsNamespacedObjects) return this.deleteWithContents(ri, cur, opts);
    const plan = this.planDelete(ri, cur, opts);
    if (plan.op) await this.guarded(this.store.batch([plan.op]), !opts.preconditions?.resourceVersion, cur);
    if (plan.removed && ri.namespaced) await this.maybeFinishNamespace(cur.namespace);
    const stored = plan.removed ? undefined : this.view.get(rid(ri), cur.namespace, cur.name);
    return { removed: plan.removed, obj: stored?.object() ?? plan.obj, json: stored?.json ?? JSON.stringify(plan.obj) };
  }

  /** Delete every object matching `filter` in one transaction; returns the affected objects. */
  async deleteCollection(ri: ResourceInfo, namespace: string | undefined, items: StoredObject[], opts: DeleteOptions): Promise<KObject[]> {
    if (strategyFor(ri.kind).containsNamespacedObjects) {
      const out: KObject[] = [];
      for (const i of items) out.push((await this.deleteWithContents(ri, i, opts)).obj);
      return out;
    }
    const plans = items.map((i) => this.planDelete(ri, i, opts));
    await this.guarded(this.store.batch(plans.flatMap((p) => (p.op ? [p.op] : []))), true, ...items);
    if (ri.namespaced && namespace) await this.maybeFinishNamespace(namespace);
    return plans.map((p) => p.obj);
  }

  private checkPreconditions(ri: ResourceInfo, cur: StoredObject, opts: DeleteOptions): void {
    const pre = opts.preconditions;
    if (pre?.uid) checkUid(ri, cur, pre.uid);
    if (pre?.resourceVersion && pre.resourceVersion !== String(cur.rev)) {
      throw conflict(ri.plural, cur.name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.rev}`, ri.group);
    }
  }

  /**
   * Decide what deleting `cur` means: remove it, or mark it (deletionTimestamp) because
   * finalizers or a pod's grace period keep it. Orphan/Foreground add the finalizers the garbage
   * collector acts on, as in Kubernetes.
   */
  private planDelete(ri: ResourceInfo, cur: StoredObject, opts: DeleteOptions, force = false): PlannedDelete {
    const obj = cur.object();
    const meta = obj.metadata;
    const finalizers = [...(meta.finalizers ?? [])];
    const policyFinalizer = opts.propagationPolicy === "Orphan" ? "orphan" : opts.propagationPolicy === "Foreground" ? "foregroundDeletion" : undefined;
    if (policyFinalizer && !meta.deletionTimestamp && !finalizers.includes(policyFinalizer)) finalizers.push(policyFinalizer);
    const graceRule = strategyFor(ri.kind).deletionGraceSeconds;
    const grace = graceRule && !force ? graceRule(obj, opts) : 0;
    if (finalizers.length === 0 && grace === 0) {
      meta.deletionTimestamp ??= nowTimestamp();
      meta.deletionGracePeriodSeconds = 0;
      return { op: { op: "delete", resource: rid(ri), namespace: cur.namespace, name: cur.name, expectedRev: cur.rev, finalObj: obj }, obj, removed: true };
    }
    const prevGrace = meta.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp && (prevGrace === undefined || prevGrace <= grace) && finalizers.length === (meta.finalizers ?? []).length) {
      return { obj, removed: false }; // already being deleted at least this fast (obj is still unchanged)
    }
    if (finalizers.length > 0) meta.finalizers = finalizers;
    meta.deletionTimestamp = nowTimestamp(grace * 1000);
    meta.deletionGracePeriodSeconds = grace;
    return { op: { op: "update", resource: rid(ri), obj, expectedRev: cur.rev }, obj, removed: false };
  }

  /**
   * Deleting a container of namespaced objects (a Namespace): everything inside is deleted in the
   * same transaction (pods without grace); objects kept by finalizers hold it in `Terminating`
   * until they are gone (maybeFinishNamespace).
   */
  private async deleteWithContents(ri: ResourceInfo, cur: StoredObject, opts: DeleteOptions): Promise<DeleteResult> {
    const refusal = strategyFor(ri.kind).undeletable?.(cur.name);
    if (refusal) throw forbidden(`${ri.plural} "${cur.name}" is forbidden: ${refusal}`);
    const ops: WriteOp[] = [];
    let remaining = 0;
    for (const ri of this.namespacedResources) {
      for (const item of this.view.list(rid(ri), cur.name)) {
        const p = this.planDelete(ri, item, { propagationPolicy: "Background" }, true);
        if (p.op) ops.push(p.op);
        if (!p.removed) remaining++;
      }
    }
    const ns = cur.object();
    const finalizers = ns.metadata.finalizers ?? [];
    if (opts.propagationPolicy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan");
    if (finalizers.length > 0) ns.metadata.finalizers = finalizers;
    ns.metadata.deletionTimestamp ??= nowTimestamp();
    ns.metadata.deletionGracePeriodSeconds = 0;
    ns.status = { phase: "Terminating" };
    const removed = remaining === 0 && finalizers.length === 0;
    if (removed) ops.push({ op: "delete", resource: rid(ri), namespace: "", name: cur.name, expectedRev: cur.rev, finalObj: ns });
    else ops.push({ op: "update", resource: rid(ri), obj: ns, expectedRev: cur.rev });
    await this.guarded(this.store.batch(ops), true, cur);
    return { removed, obj: ns, json: JSON.stringify(ns) };
  }

  private namespaceEmpty(ns: string): boolean {
    for (const ri of this.namespacedResources) if (this.view.count(rid(ri), ns) > 0) return false;
    return true;
  }

  /** Remove a terminating namespace once its last object is gone. */
  private async maybeFinishNamespace(ns: string): Promise<void> {
    const e = this.view.get("namespaces", "", ns);
    const meta = e?.object().metadata;
    if (!e || !meta?.deletionTimestamp || (meta.finalizers ?? []).length > 0) return;
    if (!this.namespaceEmpty(ns)) return;
    try {
      await this.store.delete("namespaces", "", ns, e.rev);
    } catch (err) {
      // Another writer got there first (another API server finishing it, a finalizer added):
      // whoever changed it decides next.
      if (!(err instanceof ApiError) || (err.reason !== "Conflict" && err.reason !== "NotFound")) throw err;
    }
  }

  // ------------------------------------------------------------------ binding and scale

  /** POST pods/{name}/binding: set spec.nodeName once. */
  async bind(namespace: string, name: string, body: unknown): Promise<void> {
    if (!isRecord(body)) throw badRequest("the request body must be a Binding object");
    const target = isRecord(body.target) ? body.target : undefined;
    const nodeName = typeof target?.name === "string" ? target.name : "";
    if (!nodeName) throw invalid("Binding", name, [{ field: "target.name", message: "Required value", type: "FieldValueRequired" }]);
    // The binding writes spec.nodeName itself, past the pod strategy: hold it to the same rule.
    if (!isDns1123Subdomain(nodeName)) throw invalid("Binding", name, [{ field: "target.name", message: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character" }]);
    const pi = podInfo();
    const cur = this.current(pi, namespace, name);
    const meta = isRecord(body.metadata) ? (body.metadata as ObjectMeta) : {};
    const pod = cur.object() as Pod;
    if (meta.uid && meta.uid !== pod.metadata.uid) throw conflict("pods", name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${pod.metadata.uid}`);
    if (pod.metadata.deletionTimestamp) throw conflict("pods", name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (pod.spec.nodeName) throw conflict("pods", name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec.nodeName = nodeName;
    const status = (pod.status ??= {});
    const conditions: PodCondition[] = (status.conditions ??= []);
    const scheduled: PodCondition = { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: nowTimestamp() };
    const i = conditions.findIndex((c) => c.type === "PodScheduled");
    if (i >= 0) conditions[i] = scheduled;
    else conditions.push(scheduled);
    await this.guarded(this.store.update("pods", pod, cur.rev), true, cur);
  }

  /** GET .../scale, from the committed object. */
  getScale(ri: ResourceInfo, namespace: string | undefined, name: string): Scale {
    return toScale(this.get(ri, namespace, name).object());
  }

  /** The scale of the latest object, for a PATCH of .../scale (see `current`). */
  currentScale(ri: ResourceInfo, namespace: string | undefined, name: string): Scale {
    return toScale(this.current(ri, namespace, name).object());
  }

  /** PUT .../scale: spec.replicas only. */
  async updateScale(ri: ResourceInfo, namespace: string | undefined, name: string, body: unknown): Promise<Scale> {
    if (!isRecord(body)) throw badRequest("the request body must be a Scale object");
    const spec = isRecord(body.spec) ? body.spec : {};
    const replicas = spec.replicas;
    const errs = new FieldErrors();
    errs.nonNegativeInt("spec.replicas", replicas, "int32");
    if (replicas === undefined) errs.required("spec.replicas");
    if (!errs.empty) throw invalid("Scale", name, errs.list, "autoscaling");
    const cur = this.current(ri, namespace, name);
    const meta = isRecord(body.metadata) ? (body.metadata as ObjectMeta) : {};
    const expected = this.expectedRevision(ri, meta, cur);
    const obj = cur.object();
    (obj.spec as { replicas?: number }).replicas = replicas as number;
    return toScale((await this.commitUpdate(ri, obj, cur, expected)).object());
  }

  // ------------------------------------------------------------------ shared checks

  /** The body must be an object of this kind (aliases accepted, stored as the canonical version). */
  private checkBody(ri: ResourceInfo, body: unknown): KObject {
    if (!isRecord(body)) throw badRequest(`the request body must be a ${ri.kind} object`);
    // Bodies were checked when decoded; a patch can still nest its value deep inside the object.
    withinDepth(body);
    if (body.kind !== undefined && body.kind !== ri.kind) {
      throw badRequest(`the kind of the provided object (${String(body.kind)}) does not match the resource (${ri.kind})`);
    }
    if (body.apiVersion !== undefined && (typeof body.apiVersion !== "string" || !acceptsApiVersion(ri, body.apiVersion))) {
      throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${groupVersion(ri)})`);
    }
    if (body.metadata === undefined) body.metadata = {};
    if (!isRecord(body.metadata)) throw badRequest("metadata must be an object");
    legacyDefaults(body.apiVersion, body);
    const obj = body as KObject;
    // Canonical kind/apiVersion first, as Kubernetes serializes them.
    const { apiVersion: _a, kind: _k, ...rest } = obj;
    const out = { apiVersion: groupVersion(ri), kind: ri.kind, ...rest } as KObject;
    return out;
  }

  private checkName(obj: KObject, name: string): void {
    if (obj.metadata.name === undefined || obj.metadata.name === "") obj.metadata.name = name;
    else if (obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }

  private placeInNamespace(ri: ResourceInfo, obj: KObject, namespace: string | undefined): void {
    const meta = obj.metadata;
    if (!ri.namespaced) {
      delete meta.namespace;
      return;
    }
    const ns = namespace ?? meta.namespace ?? "default";
    if (meta.namespace && meta.namespace !== ns) throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    meta.namespace = ns;
  }

  private requireLiveNamespace(ri: ResourceInfo, namespace: string, name: string): void {
    const ns = this.view.get("namespaces", "", namespace);
    if (!ns) throw notFound("namespaces", namespace);
    if (ns.object().metadata.deletionTimestamp) {
      throw forbidden(`${ri.group ? `${ri.plural}.${ri.group}` : ri.plural} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  /** resourceVersion in the body is a precondition; UID too. */
  private expectedRevision(ri: ResourceInfo, meta: ObjectMeta, cur: StoredObject): number | undefined {
    if (meta.uid) checkUid(ri, cur, meta.uid);
    const rv = meta.resourceVersion;
    if (rv === undefined || rv === "") return undefined;
    const n = Number(rv);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resourceVersion "${rv}"`);
    return n;
  }

  private validate(ri: ResourceInfo, obj: KObject, old: KObject | undefined): void {
    const st = strategyFor(ri.kind);
    const errs = new FieldErrors();
    validateObjectMeta(obj, st.nameRule, errs);
    st.validate?.(obj, old, errs);
    st.validateStatus?.(obj, errs);
    if (errs.empty) st.allocate?.(obj, old, this.ctx, errs);
    if (!errs.empty) throw invalid(ri.kind, obj.metadata.name ?? obj.metadata.generateName ?? "", dedupe(errs.list), ri.group);
  }
}

/** A UID precondition (delete options or the body's metadata.uid) must name the stored object. */
function checkUid(ri: ResourceInfo, cur: StoredObject, uid: string): void {
  const actual = cur.object().metadata.uid;
  if (uid !== actual) throw conflict(ri.plural, cur.name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${actual}`, ri.group);
}

function toScale(obj: KObject): Scale {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: import("../lib/types.js").LabelSelector };
  const status = (obj.status ?? {}) as { replicas?: number };
  let selector = "";
  try {
    // A ReplicationController's selector is a plain map: read it as matchLabels.
    const sel = spec.selector && !("matchLabels" in spec.selector) && !("matchExpressions" in spec.selector) ? { matchLabels: spec.selector as Record<string, string> } : spec.selector;
    selector = sel ? labelSelectorToString(sel) : "";
  } catch {
    selector = "";
  }
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

function dedupe(list: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = `${e.field}: ${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function setOrDelete<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v === undefined) delete o[k];
  else o[k] = v;
}

/** The store resource id of a resource. */
export function rid(ri: ResourceInfo): string {
  return resourceId(ri.plural, ri.group);
}

function nsKey(ri: ResourceInfo, namespace: string | undefined): string {
  return ri.namespaced ? namespace ?? "default" : "";
}

function nsInfo(): ResourceInfo {
  return resourceForKind("Namespace") as ResourceInfo;
}

function podInfo(): ResourceInfo {
  return resourceForKind("Pod") as ResourceInfo;
}

export { objectKey };
