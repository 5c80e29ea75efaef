/**
 * The volume binder: binds claims to volumes, provisions local-path volumes on the node the
 * scheduler selected, releases and reclaims volumes, and holds claims and volumes in use
 * (pvc-protection, pv-protection). Decisions are plan.ts's; this file reads the caches and writes.
 * Keys are `claim:<ns>/<name>` and `volume:<name>`, one queue for both.
 */
import { isAlreadyExists, isNotFound } from "../../lib/errors.js";
import { removeFinalizer } from "../../lib/finalizers.js";
import { SELECTED_NODE_ANNOTATION } from "../../lib/storage.js";
import { objectKey } from "../../lib/informer.js";
import { BY_NAMESPACE } from "../../lib/shared-informers.js";
import type { KObject, Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { Controller } from "../runner.js";
import { boundClaim, boundClaimStatus, claimedVolume, planClaim, planVolume, type ClaimAction, type EventNote, type VolumeAction } from "./plan.js";

export const VOLUME_CONTROLLER = "persistentvolume-controller";

const CLAIM = "claim:";
const VOLUME = "volume:";

/** Build the volume binder. */
export function newVolumeController(ctx: ControllerContext): Controller {
  const claims = ctx.informers.get<PersistentVolumeClaim>("PersistentVolumeClaim");
  const volumes = ctx.informers.get<PersistentVolume>("PersistentVolume");
  const classes = ctx.informers.get<StorageClass>("StorageClass");
  const nodes = ctx.informers.get<Node>("Node");
  const pods = ctx.informers.get<Pod>("Pod");
  const recorder = ctx.recorder(VOLUME_CONTROLLER);
  const controller = new Controller({ name: VOLUME_CONTROLLER, logger: ctx.logger, workers: ctx.workers, reconcile: (k) => reconcile(k) });

  const claimKey = (ns: string | undefined, name: string | undefined) => `${CLAIM}${ns ?? "default"}/${name ?? ""}`;
  const volumeOf = (c: PersistentVolumeClaim) => {
    if (c.spec.volumeName) controller.enqueue(VOLUME + c.spec.volumeName);
    for (const pv of volumes.list()) if (pv.spec.claimRef?.name === c.metadata.name && pv.spec.claimRef?.namespace === c.metadata.namespace) controller.enqueue(VOLUME + (pv.metadata.name ?? ""));
  };
  claims.addEventHandler({
    onAdd: (c) => controller.enqueue(CLAIM + objectKey(c)),
    onUpdate: (_o, c) => controller.enqueue(CLAIM + objectKey(c)),
    onDelete: (c) => volumeOf(c),
  });
  const unboundClaims = () => {
    for (const c of claims.list()) if (!c.spec.volumeName) controller.enqueue(CLAIM + objectKey(c));
  };
  const claimOf = (pv: PersistentVolume) => {
    controller.enqueue(VOLUME + (pv.metadata.name ?? ""));
    const ref = pv.spec.claimRef;
    if (ref?.name) controller.enqueue(claimKey(ref.namespace, ref.name));
    // A free volume may fit a claim that found none (Kubernetes finds it on its periodic resync).
    else if (!pv.metadata.deletionTimestamp) unboundClaims();
  };
  volumes.addEventHandler({ onAdd: claimOf, onUpdate: (_o, pv) => claimOf(pv), onDelete: claimOf });
  // A class created late lets waiting claims provision.
  classes.addEventHandler({ onAdd: unboundClaims });
  // A pod that stops using a claim may let a deleting claim go (pvc-protection).
  const podClaims = (p: Pod) => {
    for (const v of p.spec.volumes ?? []) {
      const name = v.persistentVolumeClaim?.claimName;
      if (name && claims.get(`${p.metadata.namespace ?? "default"}/${name}`)?.metadata.deletionTimestamp) controller.enqueue(claimKey(p.metadata.namespace, name));
    }
  };
  pods.addEventHandler({ onUpdate: (_o, p) => podClaims(p), onDelete: podClaims });

  const note = (obj: KObject, e: EventNote | undefined) => {
    if (e) recorder.event(obj, e.type, e.reason, e.message);
  };

  async function reconcile(key: string): Promise<void> {
    if (key.startsWith(CLAIM)) return reconcileClaim(key.slice(CLAIM.length));
    if (key.startsWith(VOLUME)) return reconcileVolume(key.slice(VOLUME.length));
  }

  async function reconcileClaim(key: string): Promise<void> {
    const claim = claims.get(key);
    if (!claim) return;
    const ns = claim.metadata.namespace ?? "default";
    const action: ClaimAction = planClaim(claim, {
      volume: (name) => volumes.get(name),
      volumes: () => volumes.list(),
      storageClass: (name) => classes.get(name),
      node: (name) => nodes.get(name),
      pods: () => pods.byIndex(BY_NAMESPACE, ns),
    });
    switch (action.type) {
      case "none":
        return note(claim, action.event);
      case "claimStatus":
        note(claim, action.event);
        await ctx.client.updateStatus<PersistentVolumeClaim>({ ...claim, status: action.status });
        return;
      case "removeFinalizer":
        await dropFinalizer("PersistentVolumeClaim", claim, action.finalizer);
        return;
      case "bind":
        await bind(claim, action.volume);
        return;
      case "provision": {
        let created: PersistentVolume;
        try {
          created = await ctx.client.create<PersistentVolume>(action.volume);
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          created = await ctx.client.get<PersistentVolume>("PersistentVolume", action.volume.metadata.name ?? "");
        }
        recorder.event(claim, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${created.metadata.name} on node ${claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION] ?? ""}`);
        await bind(claim, created);
      }
    }
  }

  /** Claim the volume, mark it Bound, then point the claim at it and mark it Bound. */
  async function bind(claim: PersistentVolumeClaim, pv: PersistentVolume): Promise<void> {
    let volume = pv;
    if (volume.spec.claimRef?.uid !== claim.metadata.uid) volume = await ctx.client.update<PersistentVolume>(claimedVolume(volume, claim));
    if (volume.status?.phase !== "Bound") volume = await ctx.client.updateStatus<PersistentVolume>({ ...volume, status: { phase: "Bound" } });
    let c = claim;
    if (c.spec.volumeName !== volume.metadata.name) c = await ctx.client.update<PersistentVolumeClaim>(boundClaim(c, volume));
    await ctx.client.updateStatus<PersistentVolumeClaim>({ ...c, status: boundClaimStatus(volume) });
  }

  async function reconcileVolume(name: string): Promise<void> {
    const pv = volumes.get(name);
    if (!pv) return;
    const ref = pv.spec.claimRef;
    let claim = ref?.name ? claims.get(`${ref.namespace ?? "default"}/${ref.name}`) : undefined;
    if (claim && ref?.uid && claim.metadata.uid !== ref.uid) claim = undefined;
    if (!claim && ref?.uid && ref.name) {
      // The cache may lag: ask the API server before releasing a volume.
      try {
        const live = await ctx.client.get<PersistentVolumeClaim>("PersistentVolumeClaim", ref.name, ref.namespace ?? "default");
        if (live.metadata.uid === ref.uid) claim = live;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const action: VolumeAction = planVolume(pv, claim);
    switch (action.type) {
      case "none":
        return;
      case "phase":
        note(pv, action.event);
        await ctx.client.updateStatus<PersistentVolume>({ ...pv, status: { ...pv.status, phase: action.phase, ...(action.message ? { message: action.message } : {}) } });
        return;
      case "delete":
        note(pv, action.event);
        try {
          await ctx.client.delete("PersistentVolume", name);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return;
      case "removeFinalizer":
        await dropFinalizer("PersistentVolume", pv, action.finalizer);
    }
  }

  async function dropFinalizer(kind: string, obj: KObject, finalizer: string): Promise<void> {
    // From the live object: our cache may not have another holder's removal yet.
    if (!(await removeFinalizer(ctx.client, kind, obj.metadata.name ?? "", obj.metadata.namespace, finalizer))) {
      throw new Error(`could not remove finalizer ${finalizer} from ${kind} ${obj.metadata.name}: conflicts`);
    }
  }


  return controller;
}
