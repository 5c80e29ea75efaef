/**
 * A bounded, seeded fuzzer for the API server: malformed and hostile requests from every role,
 * on every verb, with path tricks, bad query values, deep nesting, out-of-range values and lying
 * Content-Lengths. It checks what must hold whatever the input:
 *
 *   no 5xx (a 504 Timeout Status for a revision not reached yet is Kubernetes' own answer)
 *   every error answer a Kubernetes Status
 *   the server still answers /healthz afterwards, and its RSS stays bounded
 *   what was stored is well-formed (checked by the caller with `storedProblems`)
 *
 * Used by test/integration/fuzz-api.test.ts (a few thousand requests) and bench/fuzz.ts (more).
 * Traffic goes only to the given loopback server; the request count bounds every loop.
 */
import http from "node:http";
import net from "node:net";
import { seededRandom } from "../lib/seeded-random.js";

export interface FuzzTarget {
  /** http://127.0.0.1:PORT (plain HTTP on loopback) */
  url: string;
  /** role name -> bearer token; "anonymous" and a forged token are added by the fuzzer */
  tokens: Record<string, string>;
}

export interface FuzzReport {
  requests: number;
  /** answers by status code */
  byCode: Record<string, number>;
  /** answers that broke an invariant, with the request that caused them (at most 20 kept) */
  violations: string[];
  violationCount: number;
}

type Gen = () => number;

const pick = <T>(r: Gen, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const RESOURCES = [
  "/api/v1/namespaces/fuzz/configmaps",
  "/api/v1/namespaces/fuzz/pods",
  "/api/v1/namespaces/fuzz/secrets",
  "/api/v1/namespaces/fuzz/services",
  "/apis/apps/v1/namespaces/fuzz/deployments",
  "/apis/apps/v1/namespaces/fuzz/replicasets",
  "/api/v1/nodes",
  "/api/v1/namespaces",
  "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
  "/api/v1/namespaces/fuzz/events",
];

/** Spellings of a path: canonical, encoded, and the tricks that must be refused. */
function spell(r: Gen, path: string): string {
  const segs = path.split("/");
  const i = 1 + Math.floor(r() * (segs.length - 1));
  switch (Math.floor(r() * 9)) {
    case 0:
      return segs.slice(0, i).join("/") + "/" + segs.slice(i).join("/"); // an empty segment
    case 1:
      return `${segs.slice(0, i).join("/")}/./${segs.slice(i).join("/")}`;
    case 2:
      return `${segs.slice(0, i).join("/")}/x/../${segs.slice(i).join("/")}`;
    case 3:
      return path.replace(/s(\/|$)/, "%73$1"); // an encoded letter: the same resource
    case 4:
      return path.replace(/\/([^/]*)$/, "%2F$1");
    case 5:
      return `${path}%2573`;
    case 6:
      return `${path}/%E0%A4%A`;
    case 7:
      return `${path}/`;
    default:
      return path;
  }
}

const BAD_VALUES = ["abc", "-1", "1e400", "NaN", "1.5", "", "99999999999999999999", "%00", "true"];

function query(r: Gen, watch: boolean): string {
  const params: string[] = [];
  if (watch) params.push("watch=1", "timeoutSeconds=1");
  const n = Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const name = pick(r, ["resourceVersion", "limit", "timeoutSeconds", "labelSelector", "fieldSelector", "continue", "allowWatchBookmarks", "resourceVersionMatch", "gracePeriodSeconds", "propagationPolicy", "dryRun", "watch"]);
    const value = r() < 0.5 ? pick(r, BAD_VALUES) : pick(r, ["1", "0", "All", "app=web", "a in (b", "metadata.name=x", "Exact", "Orphan"]);
    // A watch must end by itself: never let a fuzzed parameter lift its timeout or start one.
    if ((watch && name === "timeoutSeconds") || (name === "watch" && value !== "abc" && value !== "-1")) continue;
    params.push(`${name}=${encodeURIComponent(value)}`);
  }
  return params.length ? `?${params.join("&")}` : "";
}

const nest = (n: number): string => `${"[".repeat(n)}${"]".repeat(n)}`;

/** A body: valid, malformed, mistyped, deep, out of range, or huge. */
function body(r: Gen, resource: string, i: number): { text: string; type: string } {
  const name = `f${i}`;
  const kind = resource.includes("deployments") ? "Deployment" : resource.includes("replicasets") ? "ReplicaSet" : resource.includes("pods") ? "Pod" : "ConfigMap";
  const base: Record<string, unknown> = { metadata: { name, labels: { app: "fuzz" } } };
  const podSpec = { containers: [{ name: "c", image: "busybox:1", resources: { requests: { cpu: "10m" } } }] };
  if (kind === "Pod") base.spec = podSpec;
  if (kind === "Deployment" || kind === "ReplicaSet") base.spec = { replicas: 0, selector: { matchLabels: { app: "fuzz" } }, template: { metadata: { labels: { app: "fuzz" } }, spec: podSpec } };
  if (kind === "ConfigMap") base.data = { a: "b" };
  const json = JSON.stringify(base);
  switch (Math.floor(r() * 10)) {
    case 0:
      return { text: json.slice(0, Math.floor(r() * json.length)), type: "application/json" };
    case 1:
      return { text: JSON.stringify({ ...base, metadata: pick(r, [42, "x", [], null, { name: 7 }, { name: "../x" }]) }), type: "application/json" };
    case 2:
      return { text: `{"metadata":{"name":"${name}"},"x":${nest(400 + Math.floor(r() * 2000))}}`, type: "application/json" };
    case 3:
      return {
        text: JSON.stringify({
          ...base,
          spec: { ...(base.spec as object), replicas: pick(r, [2147483648, 2 ** 53, 1e308, -1, 1.5, "3", true]), activeDeadlineSeconds: pick(r, [-1, 1.5, "3", true]), nodeName: pick(r, ["../../x", "", 7]) },
        }),
        type: "application/json",
      };
    case 4:
      return { text: `metadata: {name: ${name}}\ndata: {a: b}\nx: ${nest(200 + Math.floor(r() * 5000))}\n`, type: "application/yaml" };
    case 5:
      return { text: JSON.stringify({ ...base, data: { big: "x".repeat(Math.floor(r() * 200_000)) } }), type: "application/json" };
    case 6:
      return { text: "\u0000\u0001\uFFFF not json", type: pick(r, ["application/json", "application/yaml", "text/plain", "application/merge-patch+json"]) };
    default:
      return { text: json, type: "application/json" };
  }
}

const PATCH_TYPES = ["application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml"];

interface Answer {
  code: number;
  text: string;
}

function send(agent: http.Agent, url: URL, method: string, path: string, token: string | undefined, b?: { text: string; type: string }): Promise<Answer> {
  return new Promise((resolve) => {
    const data = b ? Buffer.from(b.text) : undefined;
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(data ? { "content-type": b!.type, "content-length": data.length } : {}) },
        timeout: 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ code: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", () => resolve({ code: res.statusCode ?? 0, text: "" }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ code: -1, text: e.message }));
    req.end(data);
  });
}

/** Bytes on a raw socket: a lying Content-Length, a header too large, garbage. */
function rawSend(url: URL, bytes: string): Promise<Answer> {
  return new Promise((resolve) => {
    const s = net.connect(Number(url.port), url.hostname);
    let out = "";
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(out);
      const i = out.indexOf("\r\n\r\n");
      resolve({ code: m ? Number(m[1]) : 0, text: i >= 0 ? out.slice(i + 4) : "" });
    };
    // A request the server is still waiting on (lying Content-Length) gets no answer: that is fine.
    const timer = setTimeout(done, 300);
    s.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (/\r\n\r\n[\s\S]*\}$/.test(out)) done();
    });
    s.on("error", done);
    s.on("end", done);
    s.write(bytes);
  });
}

/** Is `a` an acceptable answer? undefined if so, else what is wrong. */
function problem(a: Answer, watch: boolean): string | undefined {
  if (a.code === -1) return `no answer (${a.text})`;
  if (a.code >= 500 && a.code !== 504) return `HTTP ${a.code}`;
  if (a.code >= 400 || a.code === 0) {
    if (a.code === 0) return undefined; // the server is waiting for bytes that never come
    try {
      const s = JSON.parse(a.text) as { kind?: string; code?: number; reason?: string };
      if (s.kind !== "Status" || s.code !== a.code) return `HTTP ${a.code} without a matching Status: ${a.text.slice(0, 120)}`;
      if (a.code === 504 && s.reason !== "Timeout") return `HTTP 504 with reason ${s.reason}`;
    } catch {
      return `HTTP ${a.code} with a body that is not JSON: ${a.text.slice(0, 120)}`;
    }
  }
  if (watch && a.code === 200 && a.text.includes('"type":"ERROR"') && !a.text.includes('"kind":"Status"')) return "watch ERROR event without a Status";
  return undefined;
}

/** Send `requests` fuzzed requests; never throws on the server's account. */
export async function fuzz(target: FuzzTarget, requests: number, seed: number): Promise<FuzzReport> {
  const r = seededRandom(seed);
  const url = new URL(target.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const tokens = { ...target.tokens, forged: "forged-token-0123456789", anonymous: "" };
  const roles = Object.keys(tokens);
  const report: FuzzReport = { requests: 0, byCode: {}, violations: [], violationCount: 0 };
  const record = (what: string, a: Answer, watch = false): void => {
    report.requests++;
    report.byCode[a.code] = (report.byCode[a.code] ?? 0) + 1;
    const p = problem(a, watch);
    if (p) {
      report.violationCount++;
      if (report.violations.length < 20) report.violations.push(`${p} <- ${what}`);
    }
  };
  try {
    for (let i = 0; i < requests; i++) {
      const role = pick(r, roles);
      const token = tokens[role as keyof typeof tokens] || undefined;
      const dice = r();
      if (dice < 0.03) {
        const bytes = pick(r, [
          `POST /api/v1/namespaces/fuzz/configmaps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token ?? ""}\r\nContent-Type: application/json\r\nContent-Length: ${1000 + Math.floor(r() * 1e6)}\r\n\r\n{"metadata":`,
          `GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000 + Math.floor(r() * 60_000))}\r\n\r\n`,
          "\u0001\u0002\u0003 garbage\r\n\r\n",
          `GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n`,
          `GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nzz\r\n`,
        ]);
        record(`raw ${JSON.stringify(bytes.slice(0, 80))}`, await rawSend(url, bytes));
        continue;
      }
      const collection = pick(r, RESOURCES);
      const named = r() < 0.5;
      const target0 = named ? `${collection}/${pick(r, [`f${Math.floor(r() * i + 1)}`, "base", "n1", "default", "fuzz"])}${r() < 0.15 ? pick(r, ["/status", "/scale", "/binding", "/log", "/exec", "/bogus"]) : ""}` : collection;
      const method = pick(r, ["GET", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
      const watch = method === "GET" && !named && r() < 0.2;
      const path = spell(r, target0) + query(r, watch);
      const b = method === "POST" || method === "PUT" || method === "PATCH" ? body(r, collection, i) : r() < 0.1 ? { text: '{"propagationPolicy":"Never","gracePeriodSeconds":"x"}', type: "application/json" } : undefined;
      if (b && method === "PATCH" && r() < 0.7) b.type = pick(r, PATCH_TYPES);
      if (b && method === "PATCH" && b.type === "application/json-patch+json" && r() < 0.5) b.text = pick(r, ['[{"op":"replace","path":"/spec/replicas","value":2147483648}]', '[{"op":"move","from":"/a","path":"/a/b"}]', '[{"op":"add","path":"/metadata/labels/x","value":{}}]', `[{"op":"add","path":"/x","value":${nest(600)}}]`, '{"not":"a patch"}']);
      record(`${role} ${method} ${path.slice(0, 160)} ${b ? `${b.type} ${JSON.stringify(b.text.slice(0, 60))}` : ""}`, await send(agent, url, method, path, token, b), watch);
    }
  } finally {
    agent.destroy();
  }
  return report;
}

/** Stored objects that are not well-formed (what a fuzz run must never leave behind). */
export async function storedProblems(target: FuzzTarget, adminToken: string): Promise<string[]> {
  const out: string[] = [];
  for (const collection of RESOURCES) {
    const res = await fetch(`${target.url}${collection}`, { headers: { authorization: `Bearer ${adminToken}` } });
    if (res.status !== 200) {
      out.push(`list ${collection}: HTTP ${res.status}`);
      continue;
    }
    const list = (await res.json()) as { items: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; resourceVersion?: unknown; uid?: unknown }; spec?: { replicas?: unknown; nodeName?: unknown; activeDeadlineSeconds?: unknown } }[] };
    for (const o of list.items) {
      const m = o.metadata;
      // Values the API server range-checks (issue 21): none out of range may have been stored.
      const replicas = o.spec?.replicas;
      if (replicas !== undefined && !(Number.isInteger(replicas) && (replicas as number) >= 0 && (replicas as number) <= 2147483647)) out.push(`${collection}: replicas ${String(replicas)} stored`);
      const deadline = o.spec?.activeDeadlineSeconds;
      if (deadline !== undefined && !(Number.isSafeInteger(deadline) && (deadline as number) >= 1)) out.push(`${collection}: activeDeadlineSeconds ${String(deadline)} stored`);
      const nodeName = o.spec?.nodeName;
      if (nodeName !== undefined && (typeof nodeName !== "string" || /[^a-z0-9.-]/.test(nodeName))) out.push(`${collection}: nodeName ${JSON.stringify(nodeName)} stored`);
      if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof m?.name !== "string" || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(m.name) || typeof m.resourceVersion !== "string" || typeof m.uid !== "string") {
        out.push(`${collection}: malformed object ${JSON.stringify(o).slice(0, 160)}`);
      }
    }
  }
  return out;
}

/** The server's resident memory, from its /metrics. */
export async function serverRssBytes(target: FuzzTarget, adminToken: string): Promise<number> {
  const text = await (await fetch(`${target.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
  const m = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  return m ? Number(m[1]) : NaN;
}
