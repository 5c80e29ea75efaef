/**
 * The read-modify-write every `kctl set image|env|resources` does: read each object, change a
 * copy of its pod spec (a Pod's own, or a workload's template), and send the changed container
 * lists back as a merge patch that carries the resourceVersion read, so a concurrent change is a
 * 409 conflict rather than a lost update. Every object is read and changed in memory before the
 * first write: a bad container name or value changes nothing.
 */
import { displayType } from "../lib/kinds.js";
import type { Container, KObject, PodSpec, PodTemplateSpec } from "../lib/types.js";
import type { CliContext } from "./command.js";
import { UserError } from "./errors-output.js";
import { isConflict } from "../lib/errors.js";
import type { WorkloadArg } from "./workload-args.js";

/** The kinds whose pod spec `set` changes. */
export const POD_SPEC_KINDS = ["Deployment", "ReplicaSet", "StatefulSet", "Pod"];

/** An object as read, with its pod spec. */
export interface PodSpecObject {
  target: WorkloadArg;
  obj: KObject;
  podSpec: PodSpec;
}

/** The pod spec of a Pod or of a workload's template. */
export function podSpecOf(obj: KObject): PodSpec | undefined {
  if (obj.kind === "Pod") return obj.spec as PodSpec | undefined;
  return (obj.spec as { template?: PodTemplateSpec } | undefined)?.template?.spec;
}

/** Read every target (in order) with its pod spec. */
export async function readPodSpecObjects(ctx: CliContext, targets: readonly WorkloadArg[]): Promise<PodSpecObject[]> {
  const client = await ctx.client();
  const out: PodSpecObject[] = [];
  for (const target of targets) {
    const obj = await client.get(target.resource.kind, target.name, ctx.namespace());
    const podSpec = podSpecOf(obj);
    if (!podSpec) throw new UserError(`${target.resource.kind} "${target.name}" has no pod template`);
    out.push({ target, obj, podSpec });
  }
  return out;
}

/**
 * Change every object's pod spec with `change` (which returns the new spec, or undefined when
 * nothing changes), then write the changed ones and print `<kind>/<name> <message>` for each.
 */
export async function updatePodSpecs(ctx: CliContext, targets: readonly WorkloadArg[], change: (spec: PodSpec, o: PodSpecObject) => PodSpec | undefined, message: string): Promise<void> {
  const read = await readPodSpecObjects(ctx, targets);
  const changed = read.map((o) => ({ o, spec: change(o.podSpec, o) }));
  const client = await ctx.client();
  for (const first of changed) {
    // The patch names the resourceVersion it was computed from: a write in between (a
    // controller's status update) is a 409, and the change is made again on a fresh read.
    for (let { o, spec } = first, attempt = 1; spec; attempt++) {
      const lists = { containers: spec.containers, ...(spec.initContainers ? { initContainers: spec.initContainers } : {}) };
      const patch = {
        metadata: { resourceVersion: o.obj.metadata.resourceVersion },
        spec: o.obj.kind === "Pod" ? lists : { template: { spec: lists } },
      };
      try {
        await client.patch(o.target.resource.kind, o.target.name, patch, { namespace: ctx.namespace() });
        break;
      } catch (e) {
        if (!isConflict(e) || attempt >= 5) throw e;
        o = (await readPodSpecObjects(ctx, [o.target]))[0]!;
        spec = change(o.podSpec, o);
      }
    }
    const { o } = first;
    ctx.out.write(`${displayType(o.target.resource)}/${o.target.name} ${message}\n`);
  }
}

/** Does a container name match kubectl's `-c/--containers` glob (`*`, `?`)? */
export function containerMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test(name);
}

/**
 * A pod-spec change that rewrites the containers whose name matches `pattern` with `f` (undefined:
 * that container is unchanged). The change is undefined when nothing changed; no container
 * matching is the user's error.
 */
export function changeContainers(pattern: string, f: (c: Container) => Container | undefined): (spec: PodSpec) => PodSpec | undefined {
  return (spec) => {
    let changed = false;
    let matched = false;
    const containers = spec.containers.map((c) => {
      if (!containerMatches(pattern, c.name)) return c;
      matched = true;
      const next = f(c);
      if (!next) return c;
      changed = true;
      return next;
    });
    if (!matched) throw new UserError(`no containers match "${pattern}"`);
    return changed ? { ...spec, containers } : undefined;
  };
}
