/**
 * The Kubernetes service environment variables of a container: for every Service of the pod's
 * namespace that has a cluster IP when the container is created (`enableServiceLinks`, default
 * true), `{NAME}_SERVICE_HOST`, `{NAME}_SERVICE_PORT`, `{NAME}_SERVICE_PORT_{PORTNAME}` and the
 * Docker-link style `{NAME}_PORT=tcp://ip:port`, `{NAME}_PORT_{port}_{PROTO}[_PROTO|_PORT|_ADDR]`.
 */
import type { Pod, Service } from "../lib/types.js";

function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, "_");
}

/** The variables for `services` as seen by `pod` (a name-sorted, ordered map). */
export function serviceEnvVars(pod: Pod, services: readonly Service[]): Map<string, string> {
  const out = new Map<string, string>();
  if ((pod.spec as { enableServiceLinks?: boolean }).enableServiceLinks === false) return out;
  const ns = pod.metadata.namespace ?? "default";
  const sorted = services
    .filter((s) => (s.metadata.namespace ?? "default") === ns)
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  for (const svc of sorted) {
    const ip = svc.spec.clusterIP;
    // Headless and ExternalName services have no address to give (Kubernetes skips them too).
    if (!ip || ip === "None" || svc.spec.type === "ExternalName") continue;
    const ports = svc.spec.ports ?? [];
    const first = ports[0];
    if (!first) continue;
    const name = envName(svc.metadata.name ?? "");
    out.set(`${name}_SERVICE_HOST`, ip);
    out.set(`${name}_SERVICE_PORT`, String(first.port));
    for (const p of ports) if (p.name) out.set(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    out.set(`${name}_PORT`, `${(first.protocol ?? "TCP").toLowerCase()}://${ip}:${first.port}`);
    for (const p of ports) {
      const proto = p.protocol ?? "TCP";
      const base = `${name}_PORT_${p.port}_${proto}`;
      out.set(base, `${proto.toLowerCase()}://${ip}:${p.port}`);
      out.set(`${base}_PROTO`, proto.toLowerCase());
      out.set(`${base}_PORT`, String(p.port));
      out.set(`${base}_ADDR`, ip);
    }
  }
  return out;
}
