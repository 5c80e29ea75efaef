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
