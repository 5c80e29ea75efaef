/**
 * Deployments (and StatefulSets, DaemonSets): desired / updated / ready / available; for a
 * Deployment the old and new ReplicaSets as two bars (a rollout moves pods from one to the other)
 * and its latest events. Scale, rollout restart and (Deployments) rollout undo only for a token that
 * may write the workload; undo shows the revision it goes back to, and only when there is one.
 */
import { useEffect, useState } from "preact/hooks";
import type { Deployment, ReplicaSet } from "../../lib/types.js";
import type { Api } from "../api.js";
import { appsPath, rolloutRestart, rolloutUndo, scale, undoTarget } from "../actions.js";
import { mayWrite } from "../permissions.js";
import type { WorkloadRow } from "../view-model.js";

function Bar(props: { label: string; count: number; ready: number; max: number; cls: string }) {
  const w = props.max > 0 ? (props.count / props.max) * 100 : 0;
  const r = props.max > 0 ? (props.ready / props.max) * 100 : 0;
  return (
    <div class={`rsbar ${props.cls}`} data-count={props.count}>
      <span class="rsbar-label">
        {props.label} {props.count}
      </span>
      <div class="track">
        <span class="fill" style={{ width: `${w}%` }} />
        <span class="fill-ready" style={{ width: `${r}%` }} />
      </div>
    </div>
  );
}

const rsCount = (rs: ReplicaSet | undefined): number => rs?.status?.replicas ?? 0;
const rsReady = (rs: ReplicaSet | undefined): number => rs?.status?.readyReplicas ?? 0;

function Actions(props: { api: Api; row: WorkloadRow }) {
  const { api, row } = props;
  const ns = row.obj.metadata.namespace ?? "default";
  const name = row.obj.metadata.name ?? "";
  const [can, setCan] = useState(false);
  const [replicas, setReplicas] = useState(String(row.desired));
  const [error, setError] = useState("");
  useEffect(() => {
    let on = true;
    void mayWrite(api, row.resource, ns, appsPath(row.resource, ns, name)).then((ok) => on && setCan(ok));
    return () => {
      on = false;
    };
  }, [api, row.resource, ns, name]);
  useEffect(() => setReplicas(String(row.desired)), [row.desired]);
  if (!can) return null;
  const undoTo = row.kind === "Deployment" ? undoTarget(row.obj as Deployment, row.replicaSets ?? []) : undefined;
  const run = (p: Promise<unknown>) => p.then(() => setError("")).catch((e: Error) => setError(e.message));
  return (
    <div class="actions">
      {row.kind !== "DaemonSet" && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const n = Number(replicas);
            if (!Number.isInteger(n) || n < 0) return setError("replicas must be a whole number ≥ 0");
            void run(scale(api, row.resource, ns, name, n));
          }}
        >
          <input class="replicas" name="replicas" type="number" min="0" value={replicas} onInput={(e) => setReplicas(e.currentTarget.value)} />
          <button type="submit" class="scale">
            Scale
          </button>
        </form>
      )}
      <button class="restart" onClick={() => void run(rolloutRestart(api, row.resource, ns, name))}>
        Restart
      </button>
      {undoTo !== undefined && (
        <button class="undo" data-revision={undoTo} title={`rollout undo: back to revision ${undoTo}`} onClick={() => void run(rolloutUndo(api, row.obj as Deployment, row.replicaSets ?? []))}>
          Undo (to rev {undoTo})
        </button>
      )}
      {error && <span class="action-error">{error}</span>}
    </div>
  );
}

function Row(props: { api: Api; row: WorkloadRow }) {
  const { row } = props;
  const oldCount = row.oldRs.reduce((n, rs) => n + rsCount(rs), 0);
  const oldReady = row.oldRs.reduce((n, rs) => n + rsReady(rs), 0);
  const newCount = rsCount(row.newRs);
  const max = Math.max(row.desired, oldCount + newCount, 1);
  const id = `${row.obj.metadata.namespace}/${row.obj.metadata.name}`;
  return (
    <div class="workload" data-workload={row.obj.metadata.name} data-kind={row.kind}>
      <div class="wl-title">
        <span class="wl-kind">{row.kind}</span> {id}
      </div>
      <div class="wl-counts" data-desired={row.desired} data-updated={row.updated} data-ready={row.ready} data-available={row.available}>
        desired {row.desired} · updated {row.updated} · ready {row.ready} · available {row.available}
      </div>
      {row.kind === "Deployment" && (
        <div class="rsbars" data-old={oldCount} data-new={newCount}>
          <Bar label="old" count={oldCount} ready={oldReady} max={max} cls="old" />
          <Bar label="new" count={newCount} ready={rsReady(row.newRs)} max={max} cls="new" />
        </div>
      )}
      <Actions api={props.api} row={row} />
      {row.events.length > 0 && (
        <ul class="wl-events">
          {row.events.map((e) => (
            <li key={e.metadata.uid ?? e.metadata.name} class={e.type === "Warning" ? "warning" : ""}>
              {e.reason}: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The workloads panel. */
export function Workloads(props: { api: Api; rows: WorkloadRow[] }) {
  return (
    <section class="workloads">
      <h2>Workloads</h2>
      {props.rows.length === 0 && <p class="empty">none</p>}
      {props.rows.map((row) => (
        <Row key={`${row.kind}/${row.obj.metadata.namespace}/${row.obj.metadata.name}`} api={props.api} row={row} />
      ))}
    </section>
  );
}
