import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kctl } from "../helpers/cli.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  srv = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-cli-err-"));
  kubeconfig = path.join(dir, "config");
  fs.copyFileSync(srv.kubeconfigPath, kubeconfig);
});
afterAll(async () => {
  await srv?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("configuration", () => {
  it("reads KCTL_CONFIG, and --kubeconfig beats it", async () => {
    const viaEnv = await kctl(["get", "ns", "-o", "name"], { env: { KCTL_CONFIG: kubeconfig } });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toMatch(/namespace\/default\n/);
    const viaFlag = await kctl(["--kubeconfig", kubeconfig, "get", "ns", "-o", "name"]);
    expect(viaFlag.stdout).toMatch(/namespace\/default\n/);
  });
  it("config view hides the token unless --raw; set-context and use-context edit the file", async () => {
    const env = { KCTL_CONFIG: kubeconfig };
    const view = await kctl(["config", "view"], { env });
    expect(view.stdout).toMatch(/token: REDACTED/);
    expect(view.stdout).not.toContain(srv.token);
    expect((await kctl(["config", "view", "--raw"], { env })).stdout).toContain(srv.token);
    const current = (await kctl(["config", "current-context"], { env })).stdout.trim();
    expect((await kctl(["config", "set-context", "--current", "--namespace", "team"], { env })).stdout).toBe(`Context "${current}" modified.\n`);
    expect((await kctl(["get", "pods"], { env })).stderr).toBe("No resources found in team namespace.\n");
    expect((await kctl(["config", "get-contexts"], { env })).stdout).toMatch(new RegExp(`^CURRENT\\s+NAME\\s+CLUSTER\\s+AUTHINFO\\s+NAMESPACE\\n\\*\\s+${current}\\s+.*team\\n$`));
    expect((await kctl(["config", "use-context", "nope"], { env })).stderr).toBe('error: no context exists with the name: "nope"\n');
  });
});

describe("errors are one line on stderr with exit code 1", () => {
  it("server unreachable", async () => {
    const r = await kctl(["--server", "http://127.0.0.1:1", "--token", "x", "get", "pods"]);
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "error: cannot reach the API server at http://127.0.0.1:1: connection refused\n" +
        "hint: no API server answers there (address from the --server flag): start one with `kctl server`, or point --server / --kubeconfig at a running one\n",
    });
  });
  it("401 names the kubeconfig holding the token", async () => {
    const bad = path.join(dir, "bad-token");
    fs.writeFileSync(bad, fs.readFileSync(kubeconfig, "utf8").replace(srv.token, "wrong-token"));
    const r = await kctl(["--kubeconfig", bad, "get", "pods"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: not authorized: check the token in ${bad}\n`);
  });
  it("no configuration", async () => {
    const r = await kctl(["get", "pods"], { env: { KCTL_CONFIG: path.join(dir, "missing") } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: no configuration: run kctl server or pass --server/--token (looked in ${path.join(dir, "missing")})\n`);
  });
  it("unknown resource type, with a suggestion", async () => {
    const r = await kctl(["--server", srv.url, "--token", srv.token, "get", "deploymnets"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: the server doesn\'t have a resource type "deploymnets"; did you mean deployments?\n');
  });
  it("404", async () => {
    const r = await kctl(["--server", srv.url, "--token", srv.token, "get", "pod", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (NotFound): pods "x" not found\n');
    const d = await kctl(["--server", srv.url, "--token", srv.token, "describe", "deploy", "x"]);
    expect(d.code).toBe(1);
    expect(d.stderr).toBe('Error from server (NotFound): deployments.apps "x" not found\n');
  });
  it("a bad -o value and unknown flags", async () => {
    const r = await kctl(["--server", srv.url, "--token", srv.token, "get", "pods", "-o", "xml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: unable to match a printer suitable for the output format "xml"/);
    const u = await kctl(["get", "pods", "--bogus"]);
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/^error: unknown option '--bogus'/);
  });
});

describe("help, version, api-resources", () => {
  it("--help lists commands and flags one per line", async () => {
    const r = await kctl(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["apply", "create", "delete", "get", "describe", "version", "api-resources", "config"]) expect(r.stdout).toMatch(new RegExp(`\\n  ${c} `));
    const g = await kctl(["get", "--help"]);
    expect(g.stdout).toMatch(/\n  -A, --all-namespaces +list the requested objects across all namespaces\n/);
  });
  it("version prints the client and server versions", async () => {
    expect((await kctl(["version", "--client"])).stdout).toMatch(/^Client Version: v\d+\.\d+\.\d+\n$/);
    const r = await kctl(["--server", srv.url, "--token", srv.token, "version"]);
    expect(r.stdout).toMatch(/^Client Version: v\S+\nServer Version: v\S+\n$/);
  });
  it("api-resources lists kinds from discovery", async () => {
    const r = await kctl(["--server", srv.url, "--token", srv.token, "api-resources"]);
    expect(r.stdout).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\n/);
    expect(r.stdout).toMatch(/\ndeployments\s+deploy\s+apps\/v1\s+true\s+Deployment\n/);
  });
});
