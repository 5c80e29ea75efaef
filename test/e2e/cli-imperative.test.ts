/**
 * kubectl's imperative verbs in kctl (create deployment|service|configmap|secret|namespace, run,
 * expose, set image|env|resources): real `kctl` processes against a real API server, and the
 * real kubectl beside them. The generated objects are compared with kubectl's own
 * `--dry-run=client -o yaml`, byte for byte.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNotFound } from "../../lib/errors.js";
import type { ConfigMap, Deployment, KObject, Pod, Secret, Service } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let dir: string;
const k = (...args: string[]) => kctl(["--kubeconfig", srv.kubeconfigPath, ...args]);
const kIn = (input: string, ...args: string[]) => kctl(["--kubeconfig", srv.kubeconfigPath, ...args], { input });
const kubectl = (...args: string[]) => kubectlAgainst(srv, args);

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

async function exists(kind: string, name: string, ns?: string): Promise<boolean> {
  try {
    await srv.client.get<KObject>(kind, name, ns);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

beforeAll(async () => {
  assertKubectl("kctl's generated objects are compared with kubectl's own");
  // TLS: kubectl sends its bearer token only over HTTPS
  srv = await startTestServer({ tls: true });
  dir = path.join(srv.dataDir, "files");
  fs.mkdirSync(dir);
});
afterAll(async () => {
  await srv?.close();
});

describe("generated objects are kubectl's", () => {
  it("prints the same --dry-run=client -o yaml as kubectl for every generator", async () => {
    const env = write("app.env", "# settings\nMODE=fast\n\n  LEVEL=3\nEMPTY=\n");
    const cfgDir = path.join(dir, "conf");
    write("conf/a.conf", "a=1\n");
    write("conf/b.txt", "bee\n");
    const cases: string[][] = [
      ["create", "deployment", "web", "--image=nginx:1.25", "--port=80", "--replicas=3"],
      ["create", "deployment", "multi", "--image=nginx", "--image=registry:5000/team/side:v1", "-n", "team"],
      ["create", "deployment", "sleeper", "--image=busybox", "--dry-run=client", "-o", "yaml", "--", "sleep", "3600"],
      ["create", "service", "clusterip", "web", "--tcp=80:8080", "--tcp=443"],
      ["create", "service", "nodeport", "web", "--tcp=80:http", "--node-port=30080"],
      ["create", "service", "clusterip", "headless", "--clusterip=None"],
      ["create", "namespace", "team"],
      ["create", "configmap", "cfg", "--from-literal=a=1", `--from-file=${cfgDir}`, `--from-file=renamed=${env}`],
      ["create", "configmap", "envs", `--from-env-file=${env}`],
      ["create", "secret", "generic", "db", "--from-literal=password=s3cr=t", `--from-file=${env}`],
      ["create", "secret", "generic", "typed", "--from-literal=a=b", "--type=example.com/custom"],
      ["create", "secret", "tls", "web-tls", `--cert=${path.join(srv.dataDir, "pki", "serving.crt")}`, `--key=${path.join(srv.dataDir, "pki", "serving.key")}`],
      ["create", "secret", "docker-registry", "reg", "--docker-server=reg.local:5000", "--docker-username=u", "--docker-password=p", "--docker-email=u@x"],
      ["run", "web", "--image=nginx", "--port=80", "--env=A=1", "--env=B=two", "--restart=Never"],
      ["run", "labelled", "--image=nginx", "--labels=app=web,tier=front", "--image-pull-policy=IfNotPresent"],
      ["run", "job", "--image=busybox", "--restart=OnFailure", "--dry-run=client", "-o", "yaml", "--command", "--", "sh", "-c", "echo hi"],
      ["run", "args", "--image=busybox", "--dry-run=client", "-o", "yaml", "--", "a", "b"],
    ];
    for (const args of cases) {
      const full = args.includes("--dry-run=client") ? args : [...args, "--dry-run=client", "-o", "yaml"];
      const [ours, theirs] = await Promise.all([k(...full), kubectl(...full)]);
      expect({ args, code: theirs.code, stderr: theirs.stderr }).toEqual({ args, code: 0, stderr: "" });
      expect({ args, code: ours.code, stderr: ours.stderr, yaml: ours.stdout }).toEqual({ args, code: 0, stderr: "", yaml: theirs.stdout });
    }
    // -o json and -o name too
    const json = ["create", "deployment", "web", "--image=nginx", "--dry-run=client", "-o", "json"];
    expect(JSON.parse((await k(...json)).stdout)).toEqual(JSON.parse((await kubectl(...json)).stdout));
    expect((await k("create", "ns", "x", "--dry-run=client", "-o", "name")).stdout).toBe("namespace/x\n");
    expect((await k("create", "deploy", "x", "--image=y", "--dry-run=client")).stdout).toBe("deployment.apps/x created (dry run)\n");
    // nothing was created by any of this
    expect((await srv.client.list("Deployment", { namespace: "default" })).items).toEqual([]);
    expect(await exists("Namespace", "team")).toBe(false);
  });

  it("a container name from an image with _ or . is made valid with kubectl's random suffix", async () => {
    const r = await k("create", "deployment", "u", "--image=my_app.v2:1", "--dry-run=client", "-o", "json");
    const d = JSON.parse(r.stdout) as Deployment;
    expect(d.spec.template.spec.containers[0].name).toMatch(/^my-app-v2-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});

describe("--dry-run=client -o yaml is a manifest", () => {
  it("pipes into kctl apply -f -, and the same YAML applies with the real kubectl", async () => {
    const gen = await k("create", "deployment", "piped", "--image=kctl-test/web:v1", "--port=8080", "--replicas=2", "--dry-run=client", "-o", "yaml");
    expect(gen.code).toBe(0);
    const applied = await kIn(gen.stdout, "apply", "-f", "-");
    expect(applied).toEqual({ code: 0, stderr: "", stdout: "deployment.apps/piped created\n" });
    // Re-applied, the spec is unchanged (the file's `creationTimestamp: null` makes the patch
    // non-empty, as with kubectl against this server: it reports `configured` too)
    const again = await kIn(gen.stdout, "apply", "-f", "-");
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
    const d = await srv.client.get<Deployment>("Deployment", "piped", "default");
    expect(d.metadata.generation).toBe(1);
    expect(d.metadata.labels).toEqual({ app: "piped" });
    expect(d.spec.selector).toEqual({ matchLabels: { app: "piped" } });
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers).toMatchObject([{ name: "web", image: "kctl-test/web:v1", ports: [{ containerPort: 8080 }] }]);

    const svcYaml = (await k("create", "service", "nodeport", "piped", "--tcp=80:8080", "--dry-run=client", "-o", "yaml")).stdout;
    const file = write("by-kubectl.yaml", `${gen.stdout.replace(/piped/g, "kubectl-made")}---\n${svcYaml.replace(/piped/g, "kubectl-made")}`);
    const r = await kubectl("apply", "--validate=false", "-f", file);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toBe("deployment.apps/kubectl-made created\nservice/kubectl-made created\n");
    const s = await srv.client.get<Service>("Service", "kubectl-made", "default");
    expect(s.spec).toMatchObject({ type: "NodePort", selector: { app: "kubectl-made" }, ports: [{ name: "80-8080", port: 80, targetPort: 8080, protocol: "TCP" }] });
    expect(s.spec.ports?.[0].nodePort).toBeGreaterThan(0);
  });

  it("--dry-run=server asks the server (dryRun=All) and creates nothing", async () => {
    const r = await k("create", "deployment", "ghost", "--image=x", "--dry-run=server");
    expect(r).toEqual({ code: 0, stderr: "", stdout: "deployment.apps/ghost created (server dry run)\n" });
    const y = await k("create", "configmap", "ghost", "--from-literal=a=b", "--dry-run=server", "-o", "yaml");
    expect(y.stdout).toMatch(/^apiVersion: v1\ndata:\n  a: b\nkind: ConfigMap\n/);
    expect(await exists("Deployment", "ghost", "default")).toBe(false);
    expect(await exists("ConfigMap", "ghost", "default")).toBe(false);
    // the server's validation runs: a name taken is refused even in a dry run
    const taken = await k("create", "deployment", "piped", "--image=x", "--dry-run=server");
    expect(taken).toEqual({ code: 1, stdout: "", stderr: 'error: deployments.apps "piped" already exists\n' });
  });
});

describe("create verbs write what they say", () => {
  it("namespace, deployment, service, configmap and secrets, with kubectl's messages", async () => {
    expect((await k("create", "namespace", "team")).stdout).toBe("namespace/team created\n");
    expect((await k("-n", "team", "create", "deployment", "api", "--image=kctl-test/web:v1", "--", "/web", "--port=9000")).stdout).toBe("deployment.apps/api created\n");
    const api = await srv.client.get<Deployment>("Deployment", "api", "team");
    expect(api.spec.template.spec.containers[0]).toMatchObject({ name: "web", command: ["/web", "--port=9000"] });
    expect((await k("-n", "team", "create", "service", "clusterip", "api", "--tcp=80:9000", "-o", "name")).stdout).toBe("service/api\n");
    expect((await srv.client.get<Service>("Service", "api", "team")).spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const env = write("db.env", "USER=admin\n# comment\nPASSWORD=pa=ss\n");
    const cert = write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n");
    expect((await k("create", "configmap", "settings", `--from-env-file=${env}`)).stdout).toBe("configmap/settings created\n");
    expect((await srv.client.get<ConfigMap>("ConfigMap", "settings", "default")).data).toEqual({ USER: "admin", PASSWORD: "pa=ss" });
    expect((await k("create", "secret", "generic", "db", "--from-literal=user=admin", `--from-file=ca.crt=${cert}`)).stdout).toBe("secret/db created\n");
    const db = await srv.client.get<Secret>("Secret", "db", "default");
    expect(db.type).toBe("Opaque");
    expect(Buffer.from(db.data?.["ca.crt"] ?? "", "base64").toString()).toBe(fs.readFileSync(cert, "utf8"));
    expect(Buffer.from(db.data?.user ?? "", "base64").toString()).toBe("admin");

    const tls = await k("create", "secret", "tls", "web-tls", `--cert=${path.join(srv.dataDir, "pki", "serving.crt")}`, `--key=${path.join(srv.dataDir, "pki", "serving.key")}`);
    expect(tls.stdout).toBe("secret/web-tls created\n");
    expect((await srv.client.get<Secret>("Secret", "web-tls", "default")).type).toBe("kubernetes.io/tls");
    expect((await k("create", "secret", "docker-registry", "reg", "--docker-username=u", "--docker-password=p")).stdout).toBe("secret/reg created\n");
    const reg = await srv.client.get<Secret>("Secret", "reg", "default");
    expect(JSON.parse(Buffer.from(reg.data?.[".dockerconfigjson"] ?? "", "base64").toString())).toEqual({
      auths: { "https://index.docker.io/v1/": { username: "u", password: "p", auth: Buffer.from("u:p").toString("base64") } },
    });
  });

  it("run creates a pod labelled run=NAME; expose reads the selector and ports from the object", async () => {
    expect((await k("run", "once", "--image=kctl-test/busybox", "--restart=Never", "--command", "--", "sh", "-c", "echo hi")).stdout).toBe("pod/once created\n");
    const pod = await srv.client.get<Pod>("Pod", "once", "default");
    expect(pod.metadata.labels).toEqual({ run: "once" });
    expect(pod.spec.restartPolicy).toBe("Never");
    expect(pod.spec.containers[0]).toMatchObject({ name: "once", image: "kctl-test/busybox", command: ["sh", "-c", "echo hi"] });

    // expose: the same Service as kubectl's expose, then created
    for (const args of [
      ["expose", "deployment", "piped", "--port=80", "--target-port=8080"],
      ["expose", "deploy/piped", "--name=piped-np", "--type=NodePort", "--port=81"],
      ["expose", "pod", "once", "--port=9000"],
      ["expose", "deployment", "piped"],
      ["expose", "svc", "kubectl-made", "--name=again", "--port=8443", "--target-port=http"],
    ]) {
      const full = [...args, "--dry-run=client", "-o", "yaml"];
      const [ours, theirs] = await Promise.all([k(...full), kubectl(...full)]);
      expect({ args, code: theirs.code, stderr: theirs.stderr }).toEqual({ args, code: 0, stderr: "" });
      expect({ args, code: ours.code, stderr: ours.stderr, yaml: ours.stdout }).toEqual({ args, code: 0, stderr: "", yaml: theirs.stdout });
    }
    expect((await k("expose", "deployment", "piped", "--port=80", "--target-port=8080")).stdout).toBe("service/piped exposed\n");
    const svc = await srv.client.get<Service>("Service", "piped", "default");
    expect(svc.spec).toMatchObject({ selector: { app: "piped" }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }] });
    expect(svc.metadata.labels).toEqual({ app: "piped" });
    const np = await k("expose", "pod", "once", "--port=9000", "--type=NodePort", "--node-port=30999");
    expect(np.stdout).toBe("service/once exposed\n");
    expect((await srv.client.get<Service>("Service", "once", "default")).spec).toMatchObject({ selector: { run: "once" }, ports: [{ nodePort: 30999 }] });
  });
});

describe("set image|env|resources take TYPE NAME and TYPE/NAME", () => {
  it("changes the pod template and rolls out", async () => {
    expect((await k("create", "deployment", "app", "--image=kctl-test/web:v1")).code).toBe(0);
    expect(await k("set", "image", "deployment", "app", "web=kctl-test/web:v2")).toEqual({ code: 0, stderr: "", stdout: "deployment.apps/app image updated\n" });
    expect((await k("set", "image", "deploy/app", "*=kctl-test/web:v3")).stdout).toBe("deployment.apps/app image updated\n");
    let d = await srv.client.get<Deployment>("Deployment", "app", "default");
    expect(d.spec.template.spec.containers[0].image).toBe("kctl-test/web:v3");

    expect((await k("create", "configmap", "app-cfg", "--from-literal=log-level=debug", "--from-literal=db.host=db")).code).toBe(0);
    expect((await k("set", "env", "deployment", "app", "MODE=fast", "OLD=1")).stdout).toBe("deployment.apps/app env updated\n");
    expect((await k("set", "env", "deployments.v1.apps/app", "OLD-", "MODE=slow", "--from=configmap/app-cfg", "--prefix=APP_")).stdout).toBe("deployment.apps/app env updated\n");
    d = await srv.client.get<Deployment>("Deployment", "app", "default");
    expect(d.spec.template.spec.containers[0].env).toEqual([
      { name: "MODE", value: "slow" },
      { name: "APP_DB_HOST", valueFrom: { configMapKeyRef: { name: "app-cfg", key: "db.host" } } },
      { name: "APP_LOG_LEVEL", valueFrom: { configMapKeyRef: { name: "app-cfg", key: "log-level" } } },
    ]);
    expect((await k("set", "env", "deployment", "app", "--list")).stdout).toBe(
      "# Deployment app, container web\nMODE=slow\n# APP_DB_HOST from configmap app-cfg, key db.host\n# APP_LOG_LEVEL from configmap app-cfg, key log-level\n",
    );

    expect((await k("set", "resources", "deployment", "app", "--limits=cpu=200m,memory=512Mi", "--requests=cpu=100m")).stdout).toBe("deployment.apps/app resource requirements updated\n");
    d = await srv.client.get<Deployment>("Deployment", "app", "default");
    expect(d.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: "200m", memory: "512Mi" }, requests: { cpu: "100m" } });
    expect(d.metadata.generation).toBe(6);
  });

  it("every TYPE NAME verb accepts kubectl's forms", async () => {
    expect((await k("get", "deployment", "app", "-o", "name")).stdout).toBe("deployment.apps/app\n");
    expect((await k("get", "deployments.v1.apps/app", "-o", "name")).stdout).toBe("deployment.apps/app\n");
    expect((await k("scale", "deployment", "app", "--replicas=3")).stdout).toBe("deployment.apps/app scaled\n");
    expect((await k("label", "deployment", "app", "tier=web")).stdout).toBe("deployment.apps/app labeled\n");
    expect((await k("annotate", "deployment", "app", "note=x")).stdout).toBe("deployment.apps/app annotated\n");
    expect((await k("rollout", "history", "deployment", "app")).code).toBe(0);
    expect((await k("describe", "deployment", "app")).stdout).toMatch(/^Name:\s+app\n/);
    expect((await k("delete", "deployment", "app")).stdout).toBe('deployment.apps "app" deleted\n');
  });
});

describe("bad input: one line, exit 1, nothing created", () => {
  it("refuses before writing", async () => {
    write("bad.env", "GOOD=1\n1BAD=2\n");
    const cases: [string[], string][] = [
      [["create", "deployment", "nope"], 'error: required flag(s) "image" not set\n'],
      [["run", "nope"], 'error: required flag(s) "image" not set\n'],
      [["create", "deployment", "nope", "extra", "--image=x"], "error: exactly one NAME is required, got 2\n"],
      [["create", "deployment", "nope", "--image=x", "--replicas=-1"], 'error: --replicas must be a non-negative integer, got "-1"\n'],
      [["create", "configmap", "nope", "--from-literal=novalue"], "error: invalid literal source novalue, expected key=value\n"],
      [["create", "secret", "generic", "nope", "--from-file=/no/such/file"], "error: error reading /no/such/file: no such file or directory\n"],
      [["create", "configmap", "nope", `--from-env-file=${path.join(dir, "bad.env")}`], expect.stringMatching(/^error: "1BAD" is not a valid key name .*\n$/) as unknown as string],
      [["create", "configmap", "nope", "--from-literal=a=1", "--from-literal=a=2"], 'error: cannot add key a, another key by that name already exists in Data for ConfigMap "nope"\n'],
      [["create", "secret", "tls", "nope", `--cert=${path.join(srv.dataDir, "pki", "serving.crt")}`, `--key=${path.join(srv.dataDir, "pki", "ca.key")}`], "error: failed to load key pair tls: private key does not match public key\n"],
      [["create", "secret", "docker-registry", "nope", "--docker-username=u"], "error: password must be specified\n"],
      [["create", "service", "clusterip", "nope", "--tcp=abc"], 'error: invalid port "abc": must be a number between 1 and 65535\n'],
      [["create", "deployment", "nope", "--image=x", "-o", "table"], 'error: unable to match a printer suitable for the output format "table", allowed formats are: json,name,yaml\n'],
      [["create", "deployment", "nope", "--image=x", "--dry-run=maybe"], 'error: Invalid dry-run value (maybe). Must be "none", "server", or "client".\n'],
      [["run", "nope", "--image=x", "--restart=Sometimes"], "error: invalid restart policy: Sometimes\n"],
      [["expose", "foo", "nope", "--port=80"], 'error: the server doesn\'t have a resource type "foo"; did you mean pods?\n'],
      [["expose", "deployment", "nope", "--port=80"], 'error: deployments.apps "nope" not found\n'],
      [["expose", "configmap", "settings", "--port=80"], "error: cannot expose a ConfigMap: only deployments, replicasets, pods, services\n"],
      [["create", "deployment", "piped", "--image=x"], 'error: deployments.apps "piped" already exists\n'],
      [["create", "namespace", "team"], 'error: namespaces "team" already exists\n'],
      [["set", "image", "deployment", "piped", "nope=x"], 'error: unable to find container named "nope"\n'],
      [["set", "env", "deployment", "piped", "1X=y"], expect.stringMatching(/^error: invalid environment variable "1X=y": .*\n$/) as unknown as string],
      [["set", "resources", "deployment", "piped", "--limits=cpu=lots"], 'error: --limits: "lots" is not a quantity (for example 200m, 1, 512Mi, 1Gi)\n'],
    ];
    const before = {
      deployments: (await srv.client.list<Deployment>("Deployment", { namespace: "default" })).items.map((d) => `${d.metadata.name}@${d.metadata.resourceVersion}`),
      configmaps: (await srv.client.list("ConfigMap", { namespace: "default" })).items.length,
      secrets: (await srv.client.list("Secret", { namespace: "default" })).items.length,
      services: (await srv.client.list("Service", { namespace: "default" })).items.length,
      pods: (await srv.client.list("Pod", { namespace: "default" })).items.length,
    };
    for (const [args, stderr] of cases) {
      const r = await k(...args);
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ args, code: 1, stdout: "", stderr });
    }
    expect({
      deployments: (await srv.client.list<Deployment>("Deployment", { namespace: "default" })).items.map((d) => `${d.metadata.name}@${d.metadata.resourceVersion}`),
      configmaps: (await srv.client.list("ConfigMap", { namespace: "default" })).items.length,
      secrets: (await srv.client.list("Secret", { namespace: "default" })).items.length,
      services: (await srv.client.list("Service", { namespace: "default" })).items.length,
      pods: (await srv.client.list("Pod", { namespace: "default" })).items.length,
    }).toEqual(before);
  });
});
