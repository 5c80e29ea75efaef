/**
 * Pod volumes as host directories bind-mounted into containers: emptyDir under the agent's
 * data dir (per pod UID), hostPath as given, configMap and secret as files written from the API
 * objects (mounted read-only), persistentVolumeClaim as its bound volume's directory (hostPath
 * or local; local-path volumes live under `<data dir>/storage`). The pod's directory is removed
 * with the pod; a claim's directory outlives it.
 *
 * Secret volumes never touch the node's disk: as Kubernetes keeps them on a tmpfs, their files
 * are written under the memory directory (`/dev/shm/kctl-kubelet/<node>` by default, a tmpfs on
 * Linux), per pod, and removed with it.
 */
import fsSync from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Container, Pod, Volume } from "../lib/types.js";
import { ContainerConfigError, type ObjectSource } from "./env.js";

/**
 * A claim the pod mounts is missing, unbound or bound to a volume this node cannot serve: the
 * pod waits (ContainerCreating, a FailedMount event) and is retried.
 */
export class VolumeNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VolumeNotReadyError";
  }
}

/** Where this node's local-path volumes live (published on its Node for the provisioner). */
export function localPathDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), "storage");
}

/** The host directory of a claim's volume, created when the volume says DirectoryOrCreate. */
async function claimDirectory(pod: Pod, v: Volume, source: ObjectSource): Promise<string> {
  const ns = pod.metadata.namespace ?? "default";
  const name = v.persistentVolumeClaim!.claimName;
  const prefix = `Unable to attach or mount volumes: unmounted volumes=[${v.name}]:`;
  const claim = await source.claim?.(ns, name);
  if (!claim) throw new VolumeNotReadyError(`${prefix} persistentvolumeclaim "${name}" not found`);
  const volumeName = claim.spec.volumeName;
  if (!volumeName || claim.status?.phase !== "Bound") throw new VolumeNotReadyError(`${prefix} persistentvolumeclaim "${name}" is not bound`);
  const pv = await source.volume?.(volumeName);
  if (!pv || (pv.spec.claimRef?.uid && pv.spec.claimRef.uid !== claim.metadata.uid)) throw new VolumeNotReadyError(`${prefix} persistentvolume "${volumeName}" of claim "${name}" is not bound to it`);
  const dir = pv.spec.hostPath?.path ?? pv.spec.local?.path;
  if (!dir || !path.isAbsolute(dir)) throw new VolumeNotReadyError(`${prefix} persistentvolume "${volumeName}" has no hostPath or local path`);
  if (pv.spec.hostPath?.type === "DirectoryOrCreate") {
    // 0777: containers that run as another user can write, as local-path-provisioner does.
    await fs.mkdir(dir, { recursive: true, mode: 0o777 });
    await fs.chmod(dir, 0o777);
  } else if (!(await fs.stat(dir).then((st) => st.isDirectory(), () => false))) {
    throw new VolumeNotReadyError(`${prefix} the directory ${dir} of persistentvolume "${volumeName}" does not exist on this node`);
  }
  return dir;
}

/** The pod's directory under the data dir. */
export function podDir(dataDir: string, podUid: string): string {
  return path.join(dataDir, "pods", podUid);
}

/** Where a pod's volumes live: `dataDir` on disk, `memoryDir` (tmpfs) for Secrets. */
export interface VolumeDirs {
  dataDir: string;
  memoryDir: string;
}

/** The default memory directory of a node: under /dev/shm (tmpfs) when there is one, else the data dir. */
export function defaultMemoryDir(dataDir: string, nodeName: string): string {
  try {
    if (fsSync.statSync("/dev/shm").isDirectory()) return path.join("/dev/shm", "kctl-kubelet", nodeName);
  } catch {
    // no /dev/shm (not Linux): fall back to the data dir
  }
  return path.join(dataDir, "memory");
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
async function prepareVolume(pod: Pod, v: Volume, dirs: VolumeDirs, source: ObjectSource): Promise<string> {
  const ns = pod.metadata.namespace ?? "default";
  const base = path.join(podDir(dirs.dataDir, pod.metadata.uid ?? "unknown"), "volumes");
  // Kubernetes' message when a volume's object is missing: the pod waits (FailedMount) and the
  // volume is set up once the object exists.
  const missing = (kind: string, name: string): VolumeNotReadyError =>
    new VolumeNotReadyError(`MountVolume.SetUp failed for volume "${v.name}" : ${kind} "${name}" not found`);
  if (v.hostPath) {
    if (v.hostPath.type === "DirectoryOrCreate") await fs.mkdir(v.hostPath.path, { recursive: true });
    return v.hostPath.path;
  }
  if (v.persistentVolumeClaim) return claimDirectory(pod, v, source);
  if (v.configMap) {
    const dir = path.join(base, "configmap", v.name);
    const cm = await source.configMap(ns, v.configMap.name);
    if (!cm && !v.configMap.optional) throw missing("configmap", v.configMap.name);
    const files: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries(cm?.data ?? {})) files[k] = Buffer.from(val, "utf8");
    for (const [k, val] of Object.entries(cm?.binaryData ?? {})) files[k] = Buffer.from(val, "base64");
    await writeFiles(dir, files, v.configMap.items, v.configMap.defaultMode ?? 0o644);
    return dir;
  }
  if (v.secret) {
    const dir = path.join(podDir(dirs.memoryDir, pod.metadata.uid ?? "unknown"), "volumes", "secret", v.name);
    const s = await source.secret(ns, v.secret.secretName);
    if (!s && !v.secret.optional) throw missing("secret", v.secret.secretName);
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
export async function containerBinds(pod: Pod, container: Container, dirs: VolumeDirs, source: ObjectSource): Promise<string[]> {
  const binds: string[] = [];
  for (const m of container.volumeMounts ?? []) {
    const v = pod.spec.volumes?.find((x) => x.name === m.name);
    if (!v) throw new ContainerConfigError(`volumeMount "${m.name}": no volume of that name in the pod`);
    let host = await prepareVolume(pod, v, dirs, source);
    if (m.subPath) {
      host = path.join(host, m.subPath);
      if (v.emptyDir || v.hostPath || v.persistentVolumeClaim) await fs.mkdir(host, { recursive: true });
    }
    const ro = m.readOnly || Boolean(v.configMap) || Boolean(v.secret) || Boolean(v.persistentVolumeClaim?.readOnly);
    binds.push(`${host}:${m.mountPath}${ro ? ":ro" : ""}`);
  }
  return binds;
}

/** Remove the pod's directories (volumes, on disk and in memory) once the pod is gone. */
export async function removePodDir(dirs: VolumeDirs, podUid: string): Promise<void> {
  await fs.rm(podDir(dirs.dataDir, podUid), { recursive: true, force: true });
  await fs.rm(podDir(dirs.memoryDir, podUid), { recursive: true, force: true });
}
