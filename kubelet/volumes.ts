/**
 * Pod volumes as host directories bind-mounted into containers: emptyDir under the agent's
 * data dir (per pod UID), hostPath as given, configMap and secret as files written from the API
 * objects (mounted read-only). The pod's directory is removed with the pod.
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { Container, Pod, Volume } from "../lib/types.js";
import { ContainerConfigError, type ObjectSource } from "./env.js";

/** The pod's directory under the data dir. */
export function podDir(dataDir: string, podUid: string): string {
  return path.join(dataDir, "pods", podUid);
}

async function writeFiles(dir: string, files: Record<string, Buffer>, items: { key: string; path: string }[] | undefined, mode: number): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const chosen = items?.length ? items.map((i) => [i.path, files[i.key]] as const) : Object.entries(files);
  for (const [rel, data] of chosen) {
    if (data === undefined) continue;
    const file = path.join(dir, rel);
    if (!file.startsWith(dir + path.sep)) throw new ContainerConfigError(`volume item path "${rel}" escapes the volume`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, data, { mode });
  }
}

/** Materialize one volume; returns the host path to bind. */
async function prepareVolume(pod: Pod, v: Volume, dataDir: string, source: ObjectSource): Promise<string> {
  const ns = pod.metadata.namespace ?? "default";
  const base = path.join(podDir(dataDir, pod.metadata.uid ?? "unknown"), "volumes");
  if (v.hostPath) {
    if (v.hostPath.type === "DirectoryOrCreate") await fs.mkdir(v.hostPath.path, { recursive: true });
    return v.hostPath.path;
  }
  if (v.configMap) {
    const dir = path.join(base, "configmap", v.name);
    const cm = await source.configMap(ns, v.configMap.name);
    if (!cm && !v.configMap.optional) throw new ContainerConfigError(`configmap "${v.configMap.name}" not found`);
    const files: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries(cm?.data ?? {})) files[k] = Buffer.from(val, "utf8");
    for (const [k, val] of Object.entries(cm?.binaryData ?? {})) files[k] = Buffer.from(val, "base64");
    await writeFiles(dir, files, v.configMap.items, v.configMap.defaultMode ?? 0o644);
    return dir;
  }
  if (v.secret) {
    const dir = path.join(base, "secret", v.name);
    const s = await source.secret(ns, v.secret.secretName);
    if (!s && !v.secret.optional) throw new ContainerConfigError(`secret "${v.secret.secretName}" not found`);
    const files: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries(s?.data ?? {})) files[k] = Buffer.from(val, "base64");
    await writeFiles(dir, files, v.secret.items, v.secret.defaultMode ?? 0o644);
    return dir;
  }
  // emptyDir (and anything unknown): a fresh directory that lives as long as the pod
  const dir = path.join(base, "empty-dir", v.name);
  await fs.mkdir(dir, { recursive: true, mode: 0o777 });
  await fs.chmod(dir, 0o777);
  return dir;
}

/** Docker binds (`host:container[:ro]`) for one container's volumeMounts. */
export async function containerBinds(pod: Pod, container: Container, dataDir: string, source: ObjectSource): Promise<string[]> {
  const binds: string[] = [];
  for (const m of container.volumeMounts ?? []) {
    const v = pod.spec.volumes?.find((x) => x.name === m.name);
    if (!v) throw new ContainerConfigError(`volumeMount "${m.name}": no volume of that name in the pod`);
    let host = await prepareVolume(pod, v, dataDir, source);
    if (m.subPath) {
      host = path.join(host, m.subPath);
      if (v.emptyDir || v.hostPath) await fs.mkdir(host, { recursive: true });
    }
    const ro = m.readOnly || Boolean(v.configMap) || Boolean(v.secret);
    binds.push(`${host}:${m.mountPath}${ro ? ":ro" : ""}`);
  }
  return binds;
}

/** Remove the pod's directory (volumes) once the pod is gone. */
export async function removePodDir(dataDir: string, podUid: string): Promise<void> {
  await fs.rm(podDir(dataDir, podUid), { recursive: true, force: true });
}
