/**
 * `kctl apply --wait`: after the writes, wait until every applied workload is ready, showing one
 * live line per workload (rewritten in place on a terminal; a new line on each change otherwise),
 * and fail after `--timeout` naming what was still not ready and why.
 *
 *   deployment.apps/web: Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available... (pod web-7d9c-x2k4p: ContainerCreating)
 *   deployment.apps/web: deployment "web" successfully rolled out
 *
 * Polling (every POLL_MS) rather than watching: a handful of GETs a second, and no watch to resume.
 */
import type { ApiClient } from "../../lib/client.js";
import { labelSelectorToString } from "../../lib/selector.js";
import type { KObject, LabelSelector, Pod } from "../../lib/types.js";
import type { Writer } from "../command.js";
import { UserError } from "../errors-output.js";
import { imageHint, podTrouble, readinessOf, WAITED_KINDS, type Readiness } from "./readiness.js";
import { newRevisionPods } from "./revision-pods.js";

/** One object apply wrote. */
export interface AppliedObject {
  kind: string;
  name: string;
  namespace?: string;
  /** `deployment.apps/web` */
  id: string;
}

const POLL_MS = 500;

/** Wait for the applied workloads; throws a UserError at the deadline or when one can never be ready. */
export async function waitForReady(client: ApiClient, out: Writer, objects: readonly AppliedObject[], timeoutMs: number): Promise<void> {
  const waited = objects.filter((o) => WAITED_KINDS.has(o.kind));
  if (waited.length === 0) return;
  const live = new LiveLines(out, waited.map((o) => o.id));
  const deadline = Date.now() + timeoutMs;
  const last = new Map<string, Readiness>();
  for (;;) {
    for (const o of waited) {
      if (last.get(o.id)?.done) continue;
      const r = await readinessNow(client, o);
      last.set(o.id, r);
      live.set(o.id, `${o.id}: ${r.message}`);
      if (r.error) {
        live.end();
        throw new UserError(`${o.id} will not become ready: ${r.error}`);
      }
    }
    if (waited.every((o) => last.get(o.id)?.done)) return live.end();
    if (Date.now() >= deadline) {
      live.end();
      const stuck = waited.filter((o) => !last.get(o.id)?.done);
      throw new UserError(
        `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${stuck.map((o) => `${o.id} (${last.get(o.id)?.message ?? "not read"})`).join(", ")}`,
        1,
        "see `kctl describe` and `kctl get events` for why; a longer --timeout if it is only slow",
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Read one object and, while a workload is not ready, what its first troubled pod is waiting on. */
async function readinessNow(client: ApiClient, o: AppliedObject): Promise<Readiness> {
  let obj: KObject;
  try {
    obj = await client.get<KObject>(o.kind, o.name, o.namespace);
  } catch (e) {
    return { done: false, message: `cannot read it: ${(e as Error).message}` };
  }
  const r = readinessOf(obj);
  if (r.done || r.error || o.kind === "Pod") return r;
  const selector = (obj as { spec?: { selector?: LabelSelector } }).spec?.selector;
  if (!selector) return r;
  try {
    const list = await client.list<Pod>("Pod", { namespace: o.namespace, labelSelector: labelSelectorToString(selector) });
    // The new revision's pods only, and a pull (its bytes, or why it fails) worded as rollout status.
    const pods = newRevisionPods(obj, list.items);
    const pull = imageHint(pods);
    if (pull) return { ...r, message: `${r.message} (${pull})` };
    for (const p of pods) {
      const trouble = podTrouble(p);
      if (trouble) return { ...r, message: `${r.message} (pod ${p.metadata.name}: ${trouble})` };
    }
  } catch {
    // the pods are a hint only
  }
  return r;
}

/**
 * A block of lines, one per key, kept current: on a terminal rewritten in place (each cut to the
 * terminal's width so the cursor arithmetic holds), elsewhere printed again only when changed.
 */
class LiveLines {
  private readonly text = new Map<string, string>();
  private drawn = 0;
  private readonly tty: boolean;
  private readonly columns: number;

  constructor(
    private readonly out: Writer,
    private readonly keys: string[],
  ) {
    const stream = out as Partial<NodeJS.WriteStream>;
    this.tty = stream.isTTY === true;
    this.columns = stream.columns || 120; // 0 on a pseudo-terminal nobody sized
  }

  set(key: string, line: string): void {
    if (this.text.get(key) === line) return;
    this.text.set(key, line);
    if (!this.tty) {
      this.out.write(`${line}\n`);
      return;
    }
    let s = this.drawn ? `\x1b[${this.drawn}A` : "";
    const rows = this.keys.filter((k) => this.text.has(k));
    for (const k of rows) s += `\x1b[2K${this.text.get(k)!.slice(0, Math.max(this.columns - 1, 20))}\n`;
    this.drawn = rows.length;
    this.out.write(s);
  }

  end(): void {
    this.drawn = 0;
  }
}
