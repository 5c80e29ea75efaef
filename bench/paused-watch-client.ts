/**
 * A watch client that reads nothing, as a slow or hostile peer: a tiny python3 process (Node
 * cannot set SO_RCVBUF) that shrinks its receive buffer to 4 KB, sends the watch request and
 * sleeps. Loopback sockets here buffer up to 32 MB in the kernel otherwise, so the server would
 * never see backpressure. Only 127.0.0.1; the process exits by itself after `lifetimeSeconds`.
 */
import { spawn, type ChildProcess } from "node:child_process";

/** Start one paused watch of `path` (e.g. `/api/v1/namespaces/big/configmaps?watch=1`). */
export function pausedWatchClient(serverUrl: string, token: string, path: string, lifetimeSeconds = 120): ChildProcess {
  const u = new URL(serverUrl);
  const request = `GET ${path} HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer ${token}\\r\\n\\r\\n`;
  const script = [
    "import socket, time",
    "s = socket.socket()",
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)",
    `s.connect(("${u.hostname}", ${u.port}))`,
    `s.sendall(b"${request}")`,
    `time.sleep(${lifetimeSeconds})`,
  ].join("\n");
  return spawn("python3", ["-c", script], { stdio: "ignore" });
}
