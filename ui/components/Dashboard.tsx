/**
 * The logged-in page: header (liveness badge, filters), the node board with the unscheduled
 * lane, workloads, the event stream, and the detail of the pod clicked.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Api } from "../api.js";
import { Cluster } from "../cluster.js";
import type { Session } from "../session.js";
import { deriveView, type Filters } from "../view-model.js";
import { EventsPane } from "./EventsPane.js";
import { NodeBoard } from "./NodeBoard.js";
import { PodDetail } from "./PodDetail.js";
import { Workloads } from "./Workloads.js";

const AGE_REFRESH_MS = 10_000;

declare global {
  interface Window {
    /** the page's cluster state, for the browser tests and bench/ui.ts (read-only use) */
    kctlCluster?: Cluster;
  }
}

/** The live view of one login (its informers stop when it unmounts: logout). */
export function Dashboard(props: { api: Api; session: Session; onLogout: () => void }) {
  const cluster = useMemo(() => new Cluster(props.api, props.session.namespace), [props.api, props.session.namespace]);
  const [version, setVersion] = useState(0);
  const [filters, setFilters] = useState<Filters>({ namespace: props.session.namespace ?? "", labels: "" });
  const [selected, setSelected] = useState<string | undefined>();
  // Ages ("3m") move on without any watch event: redraw them every few seconds.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), AGE_REFRESH_MS);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    const off = cluster.subscribe(() => setVersion(cluster.version));
    cluster.start();
    window.kctlCluster = cluster;
    return () => {
      off();
      cluster.stop();
      if (window.kctlCluster === cluster) delete window.kctlCluster;
    };
  }, [cluster]);

  const view = useMemo(() => deriveView(cluster, filters), [cluster, version, filters]);
  const live = cluster.liveness();
  const selectedPod = selected ? cluster.informers.pods.cache.get(selected) : undefined;

  return (
    <div class="dashboard" data-version={version}>
      <header>
        <h1>kctl</h1>
        <span class={`badge ${live}`} data-testid="liveness" title={live === "reconnecting" ? "A watch dropped: what you see may be stale until it resumes" : ""}>
          {live === "live" ? "live" : live === "syncing" ? "loading…" : "reconnecting…"}
        </span>
        <label>
          Namespace
          <select
            name="namespace"
            value={filters.namespace}
            disabled={props.session.namespace !== undefined}
            onChange={(e) => setFilters({ ...filters, namespace: e.currentTarget.value })}
          >
            <option value="">all namespaces</option>
            {view.namespaces.map((ns) => (
              <option value={ns} key={ns}>
                {ns}
              </option>
            ))}
          </select>
        </label>
        <label>
          Labels
          <input
            name="labels"
            placeholder="app=web,tier!=db"
            value={filters.labels}
            class={view.selectorError ? "invalid" : ""}
            title={view.selectorError ?? ""}
            onInput={(e) => setFilters({ ...filters, labels: e.currentTarget.value })}
          />
        </label>
        <span class="count" data-testid="pod-count">
          {view.podCount} pods
        </span>
        <button class="logout" onClick={props.onLogout}>
          Log out
        </button>
      </header>
      {view.selectorError && <p class="filter-error">label filter: {view.selectorError}</p>}
      <div class="body">
        <NodeBoard view={view} tick={tick} onSelect={setSelected} />
        <aside>
          <Workloads api={props.api} rows={view.workloads} />
          <EventsPane events={view.events} />
        </aside>
      </div>
      {selected && <PodDetail api={props.api} podKey={selected} pod={selectedPod} events={view.events} onClose={() => setSelected(undefined)} />}
    </div>
  );
}
