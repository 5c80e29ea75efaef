/**
 * A pod's describe-like detail (as `kctl describe pod`: node, IP, controller, containers with
 * state and restarts, conditions, events) and the tail of its log, followed live. Delete only for
 * a token that may delete pods (its controller then replaces it: self-healing on purpose).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { since } from "../../lib/human-duration.js";
import { podSummary } from "../../lib/pod-summary.js";
import type { ContainerState, Event, Pod } from "../../lib/types.js";
import type { Api } from "../api.js";
import { deletePod, podPath } from "../actions.js";
import { ownerOf } from "../format.js";
import { mayWrite } from "../permissions.js";
import { readText } from "../read-text.js";

const TAIL_LINES = 100;
const MAX_LOG_CHARS = 64 * 1024;

function stateText(s: ContainerState | undefined): string {
  if (!s) return "-";
  if (s.running) return `Running since ${s.running.startedAt ?? "?"}`;
  if (s.waiting) return `Waiting: ${s.waiting.reason ?? ""}${s.waiting.message ? ` (${s.waiting.message})` : ""}`;
  if (s.terminated) return `Terminated: ${s.terminated.reason ?? ""} (exit ${s.terminated.exitCode})`;
  return "-";
}

/** The followed log of one container; the stream closes when the detail closes. */
function LogTail(props: { api: Api; ns: string; name: string; container: string }) {
  const [text, setText] = useState("");
  const [note, setNote] = useState("connecting…");
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const abort = new AbortController();
    setText("");
    setNote("connecting…");
    const q = `follow=true&tailLines=${TAIL_LINES}&container=${encodeURIComponent(props.container)}`;
    props.api
      .open("GET", `${podPath(props.ns, props.name)}/log?${q}`, { signal: abort.signal })
      .then((res) => {
        setNote("following");
        return readText(res, (t) => setText((old) => (old + t).slice(-MAX_LOG_CHARS)));
      })
      .then(() => setNote("log ended"))
      .catch((e: Error) => {
        if (e.name !== "AbortError") setNote(`no log: ${e.message}`);
      });
    return () => abort.abort();
  }, [props.api, props.ns, props.name, props.container]);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  return (
    <div class="logs">
      <h3>
        Log of {props.container} <span class="hint">({note})</span>
      </h3>
      <pre ref={pre} data-testid="log">
        {text}
      </pre>
    </div>
  );
}

/** The detail panel of the pod clicked (it stays open, saying so, if the pod goes away). */
export function PodDetail(props: { api: Api; podKey: string; pod: Pod | undefined; events: Event[]; onClose: () => void }) {
  const { api, pod } = props;
  const [ns = "", name = ""] = props.podKey.split("/");
  const [canDelete, setCanDelete] = useState(false);
  const [error, setError] = useState("");
  useEffect(() => {
    let on = true;
    void mayWrite(api, "pods", ns, podPath(ns, name)).then((ok) => on && setCanDelete(ok));
    return () => {
      on = false;
    };
  }, [api, ns, name]);
  const events = props.events.filter((e) => e.involvedObject.kind === "Pod" && e.involvedObject.name === name && e.metadata.namespace === ns);
  const owner = pod ? ownerOf(pod.metadata) : undefined;
  const summary = pod ? podSummary(pod) : undefined;
  return (
    <div class="detail" role="dialog" data-testid="pod-detail">
      <header>
        <h2>
          Pod {ns}/{name}
        </h2>
        {canDelete && pod && (
          <button class="delete" onClick={() => void deletePod(api, ns, name).catch((e: Error) => setError(e.message))}>
            Delete pod
          </button>
        )}
        <button class="close" onClick={props.onClose}>
          Close
        </button>
      </header>
      {error && <p class="action-error">{error}</p>}
      {!pod && <p class="gone">This pod no longer exists.</p>}
      {pod && summary && (
        <dl class="describe">
          <dt>Status</dt>
          <dd>{summary.status}{pod.metadata.deletionTimestamp ? " (terminating)" : ""}</dd>
          <dt>Ready</dt>
          <dd>{summary.ready}</dd>
          <dt>Restarts</dt>
          <dd>{summary.restarts}</dd>
          <dt>Node</dt>
          <dd>{pod.spec?.nodeName ?? "<none>"}{pod.status?.hostIP ? `/${pod.status.hostIP}` : ""}</dd>
          <dt>IP</dt>
          <dd>{pod.status?.podIP ?? "<none>"}</dd>
          <dt>Age</dt>
          <dd>{since(pod.metadata.creationTimestamp)}</dd>
          <dt>Controlled By</dt>
          <dd>{owner ? `${owner.kind}/${owner.name}` : "<none>"}</dd>
          <dt>Labels</dt>
          <dd>{Object.entries(pod.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(", ") || "<none>"}</dd>
          <dt>Conditions</dt>
          <dd>{(pod.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(", ") || "<none>"}</dd>
          {(pod.spec?.containers ?? []).map((c) => {
            const cs = pod.status?.containerStatuses?.find((s) => s.name === c.name);
            return [
              <dt key={`${c.name}-t`}>Container {c.name}</dt>,
              <dd key={`${c.name}-d`}>
                {c.image} · {stateText(cs?.state)} · ready {String(cs?.ready ?? false)} · restarts {cs?.restartCount ?? 0}
                {cs?.lastState?.terminated ? ` · last: ${stateText(cs.lastState)}` : ""}
              </dd>,
            ];
          })}
        </dl>
      )}
      <h3>Events</h3>
      <ul class="pod-events">
        {events.length === 0 && <li class="hint">none</li>}
        {events.map((e) => (
          <li key={e.metadata.uid ?? e.metadata.name} class={e.type === "Warning" ? "warning" : ""}>
            {e.type} {e.reason}: {e.message}
          </li>
        ))}
      </ul>
      {pod?.spec?.nodeName && pod.spec.containers?.[0] && <LogTail api={api} ns={ns} name={name} container={pod.spec.containers[0].name} />}
    </div>
  );
}
