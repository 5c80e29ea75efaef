/**
 * Issue 21, finding 4: bad input gets a 400-class Status, never a 500, a hang or a Node warning.
 * Decoder limits (nesting depth, YAML aliases), query parameters validated before a response
 * starts, and errors raised below fastify (the HTTP parser, a malformed URL) as Status objects.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_NESTING_DEPTH } from "../../apiserver/request-body.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
const warnings: string[] = [];
const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);

beforeAll(async () => {
  process.on("warning", onWarning);
  srv = await startTestServer();
  await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "base" }, data: { a: "1" } });
});
afterAll(async () => {
  process.off("warning", onWarning);
  await srv.close();
});

interface Answer {
  code: number;
  body: { kind?: string; reason?: string; message?: string };
  text: string;
}

async function call(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<Answer> {
  const res = await fetch(`${srv.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${srv.token}`, "content-type": contentType },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  let parsed: Answer["body"] = {};
  try {
    parsed = JSON.parse(text) as Answer["body"];
  } catch {
    parsed = {};
  }
  return { code: res.status, body: parsed, text };
}

/** Raw bytes on a socket; resolves with the whole answer once the server closes or answers. */
function rawExchange(bytes: string): Promise<string> {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    let out = "";
    const timer = setTimeout(() => {
      s.destroy();
      resolve(out);
    }, 5_000);
    s.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (/\r\n\r\n[\s\S]*\}$/.test(out)) {
        clearTimeout(timer);
        s.destroy();
        resolve(out);
      }
    });
    s.on("end", () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.on("error", reject);
    s.write(bytes);
  });
}

const deepJson = (n: number): string => `${"[".repeat(n)}${"]".repeat(n)}`;
const nested = (n: number): string => `{"metadata":{"name":"deep"},"data":{"a":"1"},"x":${deepJson(n)}}`;

function expectStatus(a: Answer, code: number, message?: RegExp): void {
  expect({ code: a.code, kind: a.body.kind }).toEqual({ code, kind: "Status" });
  if (message) expect(a.body.message).toMatch(message);
}

describe("decoder limits", () => {
  it("refuses bodies nested deeper than the limit on create, update and every patch type", async () => {
    const deep = /nests deeper than 512 levels/;
    expectStatus(await call("POST", "/api/v1/namespaces/default/configmaps", nested(10_000)), 400, deep);
    expectStatus(await call("PUT", "/api/v1/namespaces/default/configmaps/base", nested(10_000)), 400, deep);
    expectStatus(await call("PATCH", "/api/v1/namespaces/default/configmaps/base", nested(10_000), "application/merge-patch+json"), 400, deep);
    expectStatus(await call("PATCH", "/api/v1/namespaces/default/configmaps/base", nested(10_000), "application/strategic-merge-patch+json"), 400, deep);
    expectStatus(await call("PATCH", "/api/v1/namespaces/default/configmaps/base", `[{"op":"add","path":"/x","value":${deepJson(10_000)}}]`, "application/json-patch+json"), 400, deep);
    expectStatus(await call("POST", "/api/v1/namespaces/default/configmaps", `metadata: {name: deep}\nx: ${deepJson(50_000)}\n`, "application/yaml"), 400, deep);
    // Exactly at the limit is accepted (the object itself adds one level).
    const ok = await call("POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"at-limit"},"x":${deepJson(MAX_NESTING_DEPTH - 1)}}`);
    expect(ok.code).toBe(201);
  });

  it("refuses a patch that would nest the stored object past the limit", async () => {
    const value = deepJson(MAX_NESTING_DEPTH - 1);
    const first = await call("PATCH", "/api/v1/namespaces/default/configmaps/base", `[{"op":"add","path":"/x","value":{"y":${value}}}]`, "application/json-patch+json");
    expectStatus(first, 400, /nests deeper/);
  });

  it("refuses a YAML alias bomb", async () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    const body = `metadata: {name: bomb}\ndata: {}\nx:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
    const a = await call("POST", "/api/v1/namespaces/default/configmaps", body, "application/yaml");
    expectStatus(a, 400, /YAML/);
  });
});

describe("query parameters are checked before a response starts", () => {
  it("answers a watch with a bad resourceVersion with 400, not a stream that hangs", async () => {
    for (const rv of ["abc", "NaN", "-1", "1e400", "1.5", " 3", "0x10"]) {
      expectStatus(await call("GET", `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${encodeURIComponent(rv)}`), 400, /resourceVersion/);
    }
  });

  it("refuses bad timeoutSeconds, and clamps a huge one without a Node timer warning", async () => {
    expectStatus(await call("GET", "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1e20"), 400, /timeoutSeconds/);
    expectStatus(await call("GET", "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=-5"), 400, /timeoutSeconds/);
    const ctl = new AbortController();
    const res = await fetch(`${srv.url}/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=9999999999999`, { headers: { authorization: `Bearer ${srv.token}` }, signal: ctl.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/"ADDED"/);
    ctl.abort();
    expect(warnings.filter((w) => w.startsWith("TimeoutOverflowWarning"))).toEqual([]);
  });

  it("refuses bad list, get and delete parameters", async () => {
    const bad: [string, string, RegExp][] = [
      ["GET", "/api/v1/namespaces/default/configmaps?resourceVersion=abc", /resourceVersion/],
      ["GET", "/api/v1/namespaces/default/configmaps/base?resourceVersion=abc", /resourceVersion/],
      ["GET", "/api/v1/namespaces/default/configmaps?limit=-1", /limit/],
      ["GET", "/api/v1/namespaces/default/configmaps?limit=ten", /limit/],
      ["GET", "/api/v1/namespaces/default/configmaps?watch=maybe", /watch/],
      ["GET", "/api/v1/namespaces/default/configmaps?allowWatchBookmarks=yes&watch=1", /allowWatchBookmarks/],
      ["GET", "/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact", /resourceVersionMatch is forbidden/],
      ["GET", "/api/v1/namespaces/default/configmaps?resourceVersion=1&resourceVersionMatch=Newest", /resourceVersionMatch/],
      ["GET", "/api/v1/namespaces/default/configmaps?continue=%%%", /continue/],
      ["DELETE", "/api/v1/namespaces/default/configmaps/base?gracePeriodSeconds=soon", /gracePeriodSeconds/],
      ["DELETE", "/api/v1/namespaces/default/configmaps/base?gracePeriodSeconds=-1", /gracePeriodSeconds/],
      ["DELETE", "/api/v1/namespaces/default/configmaps/base?propagationPolicy=Now", /propagationPolicy/],
    ];
    for (const [method, path, why] of bad) {
      const a = await call(method, path);
      expect({ path, code: a.code, kind: a.body.kind }).toEqual({ path, code: 400, kind: "Status" });
      expect(a.body.message).toMatch(why);
    }
    expect((await call("GET", "/api/v1/namespaces/default/configmaps/base")).code).toBe(200);
  });

  it("answers a list from a revision not reached yet with Kubernetes' Too large resource version", async () => {
    const a = await call("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=999999999");
    expectStatus(a, 504, /Too large resource version/);
  });
});

describe("errors below the router are Status objects", () => {
  it("a malformed URL", async () => {
    const out = await rawExchange(`GET /api/v1/namespaces/default/configmaps/%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 400/);
    expect(out).toMatch(/"kind":"Status"/);
  });

  it("oversized headers (431) and garbage on the wire (400)", async () => {
    const big = await rawExchange(`GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(70_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 431/);
    expect(big).toMatch(/"kind":"Status".*"code":431/);
    const junk = await rawExchange("\u0001\u0002 not http at all\r\n\r\n");
    expect(junk).toMatch(/^HTTP\/1\.1 400/);
    expect(junk).toMatch(/"kind":"Status"/);
  });

  it("a lying Content-Length does not wedge or crash the server", async () => {
    const u = new URL(srv.url);
    const s = net.connect(Number(u.port), u.hostname);
    s.write(`POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"metadata":{"name":"short"}}`);
    await new Promise<void>((r) => s.once("connect", () => r()));
    // The server waits for the promised bytes (until its request timeout) on that connection
    // only; everyone else is served, and the truncated object is never stored.
    expect((await call("GET", "/healthz")).code).toBe(200);
    expect((await call("GET", "/api/v1/namespaces/default/configmaps/short")).code).toBe(404);
    s.destroy();
    expect((await call("GET", "/api/v1/namespaces/default/configmaps/short")).code).toBe(404);
  });
});
