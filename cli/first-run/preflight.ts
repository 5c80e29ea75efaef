/**
 * The checks `kctl server` and `kctl agent` make before they start anything, so that a missing
 * Docker engine, an unwritable data dir or a busy port is one line saying what is wrong and one
 * line saying what to do, instead of a half-started process and a library's error text.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../errors-output.js";
import { describePortHolder } from "./port-holder.js";

/** How long an engine may take to answer a ping before it counts as missing. */
const ENGINE_PING_TIMEOUT_MS = 5_000;

/** The engine address as the user would write it (`--docker-host`, $DOCKER_HOST, or the default socket). */
export function engineAddress(dockerHost?: string): string {
  return dockerHost ?? process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}

/**
 * Ping the Docker engine the kubelet would use.
 * @param forServer true for `kctl server` (the hint then offers `--no-kubelet`)
 * @throws UserError naming the address and what to do
 */
export async function checkDockerEngine(dockerHost: string | undefined, forServer: boolean): Promise<void> {
  const { dockerClient } = await import("../../kubelet/runtime/docker-runtime.js");
  const address = engineAddress(dockerHost);
  let timer: NodeJS.Timeout | undefined;
  try {
    const docker = dockerClient({ dockerHost: address });
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer in ${ENGINE_PING_TIMEOUT_MS / 1000}s`), { code: "ETIMEDOUT" })), ENGINE_PING_TIMEOUT_MS);
      }),
    ]);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no socket there" : err.code === "ECONNREFUSED" ? "connection refused" : err.code === "EACCES" ? "permission denied" : err.message;
    const alone = forServer ? "; or run the control plane alone with `kctl server --no-kubelet`" : "";
    const hint =
      err.code === "EACCES"
        ? `run as root, or add your user to the docker group (\`sudo usermod -aG docker $USER\`, then log in again)${alone}`
        : `install and start one with \`sudo bash scripts/docker-engine.sh\` (in the kctl folder) or your distribution's docker.io package${alone}`;
    throw new UserError(`no Docker engine answers at ${address} (${why}): the node agent needs one to run pods`, 1, hint);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the local engine (as the kubelet would reach it) has `image`; false when it cannot tell. */
export async function imagePresent(image: string, dockerHost?: string): Promise<boolean> {
  const { dockerClient } = await import("../../kubelet/runtime/docker-runtime.js");
  try {
    await dockerClient({ dockerHost: engineAddress(dockerHost) }).getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * Make sure `dir` exists and this process can write in it (a real write: root without
 * CAP_DAC_OVERRIDE, read-only mounts and ACLs all fool a permission-bit check).
 * @throws UserError naming the directory and the flag that moves it
 */
export function checkDataDir(dir: string, flag = "--data-dir"): void {
  const probe = path.join(dir, `.kctl-write-check-${process.pid}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(probe, "");
    fs.rmSync(probe);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "EACCES" || err.code === "EPERM" ? "permission denied" : err.code === "EROFS" ? "read-only file system" : err.code === "ENOTDIR" ? "a parent is not a directory" : err.code ?? err.message;
    throw new UserError(`data dir ${dir} is not writable (${why})`, 1, `choose another with ${flag} DIR (or $KCTL_DATA_DIR), or give this user write access to it`);
  }
}

/**
 * Turn a listen failure into one line naming the address, the process holding it when it can be
 * told, and the `--listen` flag. Other errors pass through unchanged.
 */
export function explainListenError(e: unknown, listen: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "EADDRINUSE") {
    const port = Number(/:(\d+)$/.exec(listen)?.[1]);
    const holder = Number.isInteger(port) ? describePortHolder(port) : undefined;
    return new UserError(
      `cannot listen on ${listen}: the port is in use${holder ? ` by ${holder}` : ""}`,
      1,
      `stop that process (another kctl server?), or listen elsewhere with --listen 127.0.0.1:${Number.isInteger(port) ? port + 1 : 6444}`,
    );
  }
  if (err?.code === "EADDRNOTAVAIL") {
    return new UserError(`cannot listen on ${listen}: this machine has no such address`, 1, "give one of this machine's addresses to --listen (or 0.0.0.0:6443 for all)");
  }
  if (err?.code === "EACCES" && /listen/.test(err.message)) {
    return new UserError(`cannot listen on ${listen}: permission denied (ports below 1024 need root)`, 1, "choose a port above 1024 with --listen");
  }
  return e;
}
