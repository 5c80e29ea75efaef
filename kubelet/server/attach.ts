/**
 * One attach session: the runtime's attach to a container's main process (its output from now
 * on, and its stdin when the pod spec has `stdin: true`), bridged to the WebSocket as exec is
 * (exec.ts bridgeSession). It ends with a Success Status when the process ends; a client going
 * away detaches and leaves the process running.
 */
import type { WebSocket } from "ws";
import type { Logger } from "../../lib/logger.js";
import type { ContainerRuntime } from "../runtime/types.js";
import { bridgeSession } from "./exec.js";

/** What the caller asked for (PodAttachOptions). */
export interface AttachRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Attach to container `containerId` and bridge it to `ws` (call synchronously in the WebSocket handler). */
export function runAttachSession(runtime: ContainerRuntime, containerId: string, req: AttachRequest, ws: WebSocket, logger: Logger): Promise<void> {
  return bridgeSession(ws, req, logger, {
    what: "attach",
    open: (sink) => runtime.attach(containerId, req, sink),
    ended: () => ({ metadata: {}, status: "Success" }),
  });
}
