/**
 * What `kctl port-forward TYPE/NAME [LOCAL:]REMOTE...` forwards to, resolved client-side as
 * kubectl does: a pod directly; deployment/NAME and replicaset/NAME to one of their pods;
 * svc/NAME to a pod its selector picks, with each service port mapped to its targetPort (a named
 * targetPort through the pod's container ports). Port specs: `8080`, `:8080` (a free local port),
 * `5000:8080`; REMOTE may be a named container (or service) port.
 */
import type { ApiClient } from "../lib/client.js";
import type { Pod, Service } from "../lib/types.js";
import type { Writer } from "./command.js";
import { UserError } from "./errors-output.js";

/** One forwarded port as typed, before the remote side is resolved. */
export interface PortSpec {
  /** 0: pick a free port */
  local: number;
  /** a number or a port name */
  remote: string;
  /** the local port was omitted (`8080`): it follows the resolved remote port's number as typed */
  localFromRemote: boolean;
}

/** A port to forward, resolved. */
export interface ForwardPort {
  local: number;
  remote: number;
}

/** Parse `[LOCAL:]REMOTE` specs with kubectl's messages. */
export function parsePortSpecs(args: string[]): PortSpec[] {
  if (args.length === 0) throw new UserError("TYPE/NAME and list of ports are required for port-forward");
  return args.map((a) => {
    const parts = a.split(":");
    if (parts.length > 2) throw new UserError(`invalid port format '${a}'`);
    // a lone REMOTE (a number or a port name) names the local port too, once resolved
    const [localText, remote] = parts.length === 2 ? parts : ["", parts[0]];
    if (!remote) throw new UserError(`remote port must be > 0`);
    let local = 0;
    if (localText !== "") {
      local = Number(localText);
      if (!/^\d+$/.test(localText) || local > 65535) throw new UserError(`error parsing local port '${localText}': must be a port number (0-65535)`);
    }
    if (/^\d+$/.test(remote) && (Number(remote) < 1 || Number(remote) > 65535)) throw new UserError(`remote port must be > 0 and < 65536, got ${remote}`);
    return { local, remote, localFromRemote: parts.length === 1 };
  });
}

/** Resolve TYPE/NAME to a Running pod and the specs to pod port numbers. */
export async function resolveForwardTarget(client: ApiClient, namespace: string, arg: string, specs: PortSpec[], err: Writer): Promise<{ pod: Pod; ports: ForwardPort[] }> {
  const slash = arg.indexOf("/");
  const type = slash < 0 ? "pod" : arg.slice(0, slash);
  const name = slash < 0 ? arg : arg.slice(slash + 1);
  if (!name) throw new UserError(`invalid resource name "${arg}"`);
  const { resolveResource } = await import("../lib/kinds.js");
  const r = resolveResource(type);
  if (!r) throw new UserError(`the server doesn't have a resource type "${type}"`);
  let pod: Pod;
  let service: Service | undefined;
  if (r.kind === "Service") {
    service = await client.get<Service>("Service", name, namespace);
    const selector = service.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) throw new UserError(`invalid service '${name}': Service is defined without a selector`);
    const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(",");
    pod = await pickPod(client, namespace, labelSelector, `service/${name}`, err);
  } else {
    const { resolvePodArg } = await import("./commands/logs.js");
    pod = await resolvePodArg(client, namespace, r.kind === "Pod" ? name : `${type}/${name}`, err);
  }
  const phase = pod.status?.phase ?? "Pending";
  if (phase !== "Running") throw new UserError(`unable to forward port because pod is not running. Current status=${phase}`);
  const ports = specs.map((s) => {
    const remote = service ? serviceTargetPort(service, pod, s.remote) : podPort(pod, s.remote);
    const local = s.localFromRemote ? (/^\d+$/.test(s.remote) ? Number(s.remote) : remote) : s.local;
    return { local, remote };
  });
  return { pod, ports };
}

async function pickPod(client: ApiClient, namespace: string, labelSelector: string, what: string, err: Writer): Promise<Pod> {
  const list = await client.list<Pod>("Pod", { namespace, labelSelector });
  const live = list.items.filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  const pod = live.find((p) => p.status?.phase === "Running") ?? live[0];
  if (!pod) throw new UserError(`no pods found for ${what}`);
  if (live.length > 1) err.write(`Found ${live.length} pods, using pod/${pod.metadata.name}\n`);
  return pod;
}

/** A pod port: a number, or the name of one of its containers' ports. */
function podPort(pod: Pod, port: string): number {
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of pod.spec.containers) {
    const p = c.ports?.find((cp) => cp.name === port);
    if (p) return p.containerPort;
  }
  throw new UserError(`Pod '${pod.metadata.name}' does not have a named port '${port}'`);
}

/** kubectl's translateServicePortToTargetPort: service port (number or name) -> the pod's port. */
function serviceTargetPort(svc: Service, pod: Pod, port: string): number {
  const sp = (svc.spec?.ports ?? []).find((p) => (/^\d+$/.test(port) ? p.port === Number(port) : p.name === port));
  if (!sp) throw new UserError(`Service ${svc.metadata.name} does not have a service port ${port}`);
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  return podPort(pod, target);
}
