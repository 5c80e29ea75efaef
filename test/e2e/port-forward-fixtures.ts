/** Shared by the port-forward e2e tests: the web pod and HTTP through a forwarded local port. */
import http from "node:http";
import net from "node:net";
import type { Pod } from "../../lib/types.js";

/** A pod of the local web test image (busybox httpd on 8080 answering "v1 <hostname>"), bound to `nodeName`. */
export function webPod(name: string, nodeName: string, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "web", image: "kctl-test/web:v1", imagePullPolicy: "Never", ports: [{ containerPort: 8080 }] }],
    },
  } as Pod;
}

/** A web pod that also serves /big, `mib` MiB of zeros (to push data through the tunnel). */
export function bigFilePod(name: string, nodeName: string, mib: number): Pod {
  const pod = webPod(name, nodeName);
  pod.spec.containers[0].command = ["/bin/sh", "-c", `mkdir -p /big && dd if=/dev/zero of=/big/big bs=1048576 count=${mib} 2>/dev/null && trap 'exit 0' TERM; httpd -f -p 8080 -h /big & wait`];
  // Ready once httpd answers (a forward to a closed port would end kubectl's whole forward)
  pod.spec.containers[0].readinessProbe = { tcpSocket: { port: 8080 }, periodSeconds: 1 };
  return pod;
}

/**
 * A pod that counts what each connection sends on port 9000 and answers with the count once the
 * client half-closes (busybox `nc -ll -e wc -c`): uploads and half-closes through the tunnel.
 */
export function byteCounterPod(name: string, nodeName: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "count",
          image: "kctl-test/busybox:v1",
          imagePullPolicy: "Never",
          command: ["nc", "-ll", "-p", "9000", "-e", "wc", "-c"],
          readinessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1 },
        },
      ],
    },
  } as Pod;
}

/** Send `bytes` zero bytes to the forwarded port, half-close, and read the answer. */
export function upload(port: number, bytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const s = net.connect(port, "127.0.0.1", () => s.end(Buffer.alloc(bytes)));
    s.setEncoding("utf8").on("data", (d: string) => (got += d));
    s.on("end", () => resolve(got.trim()));
    s.on("error", reject);
  });
}

/** GET and count the body's bytes (no buffering of the body). */
export function httpGetLength(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false, timeout: 30_000 }, (res) => {
      let n = 0;
      res.on("data", (d: Buffer) => (n += d.length));
      res.on("end", () => resolve(n));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

/** GET http://127.0.0.1:PORT/PATH on a fresh connection; the body. */
export function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

/** A raw TCP connection to the forwarded port, opened now, used later. */
export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Send an HTTP/1.0 GET on `sock` and read until the server closes it; everything received. */
export function rawHttpGet(sock: net.Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    sock.setEncoding("utf8").on("data", (d: string) => (got += d));
    sock.once("end", () => resolve(got));
    sock.once("error", reject);
    sock.write(`GET ${path} HTTP/1.0\r\nHost: pod\r\n\r\n`);
  });
}
