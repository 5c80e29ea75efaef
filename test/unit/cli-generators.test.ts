import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { envFromSource, keyToEnvName, parseEnvArgs, updateEnv } from "../../cli/commands/set-env.js";
import { updateResources } from "../../cli/commands/set-resources.js";
import { readDataSources } from "../../cli/generators/data-sources.js";
import { generateExposeService, parseTcpSpec } from "../../cli/generators/service.js";
import { parseWorkloadArgs, splitResourcesAndUpdates } from "../../cli/workload-args.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-gen-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const target = { kind: "ConfigMap" as const, name: "cfg" };
const text = (m: Map<string, Buffer>) => Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]));

describe("data sources", () => {
  it("reads an env file as kubectl: comments, blank lines, leading spaces, = in values, a bare KEY from the environment", () => {
    const f = path.join(dir, "a.env");
    fs.writeFileSync(f, "\uFEFF# c\n\n  A=1\nB=x=y\nFROM_ENV\nUNSET_ONE\n");
    expect(text(readDataSources({ fromFile: [], fromLiteral: [], fromEnvFile: [f] }, target, { FROM_ENV: "e" }))).toEqual({ A: "1", B: "x=y", FROM_ENV: "e" });
  });
  it("reads a directory's regular files and refuses a key for it; refuses duplicate keys and mixing env files", () => {
    fs.mkdirSync(path.join(dir, "d/sub"), { recursive: true });
    fs.writeFileSync(path.join(dir, "d/x.conf"), "x");
    fs.writeFileSync(path.join(dir, "d/sub/y"), "y");
    expect(text(readDataSources({ fromFile: [path.join(dir, "d")], fromLiteral: [], fromEnvFile: [] }, target))).toEqual({ "x.conf": "x" });
    expect(() => readDataSources({ fromFile: [`k=${path.join(dir, "d")}`], fromLiteral: [], fromEnvFile: [] }, target)).toThrow("cannot give a key name for a directory path");
    expect(() => readDataSources({ fromFile: [], fromLiteral: ["a=1", "a=2"], fromEnvFile: [] }, target)).toThrow(/another key by that name already exists/);
    expect(() => readDataSources({ fromFile: [], fromLiteral: ["a=1"], fromEnvFile: ["x"] }, target)).toThrow("from-env-file cannot be combined with from-file or from-literal");
    expect(() => readDataSources({ fromFile: [], fromLiteral: ["bad key=1"], fromEnvFile: [] }, target)).toThrow(/is not a valid key name for a ConfigMap/);
  });
});

describe("services", () => {
  it("names create-service ports PORT-TARGET and keeps named target ports", () => {
    expect(parseTcpSpec("80:8080")).toEqual({ name: "80-8080", port: 80, protocol: "TCP", targetPort: 8080 });
    expect(parseTcpSpec("443:https")).toMatchObject({ name: "443-https", targetPort: "https" });
    expect(() => parseTcpSpec("0")).toThrow(/invalid port/);
  });
  it("expose: every container port, named port-N when several, the object's labels and selector", () => {
    const deploy = {
      kind: "Deployment",
      metadata: { name: "web", labels: { app: "web", tier: "f" } },
      spec: { selector: { matchLabels: { app: "web" } }, template: { spec: { containers: [{ name: "a", image: "x", ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }] }] } } },
    };
    const svc = generateExposeService(deploy, {});
    expect(svc.metadata.labels).toEqual({ app: "web", tier: "f" });
    expect(svc.spec.selector).toEqual({ app: "web" });
    expect(svc.spec.ports).toEqual([
      { name: "port-1", port: 80, protocol: "TCP", targetPort: 80 },
      { name: "port-2", port: 53, protocol: "UDP", targetPort: 53 },
    ]);
    const withExpr = { ...deploy, spec: { ...deploy.spec, selector: { matchExpressions: [{ key: "a", operator: "Exists" }] } } };
    expect(() => generateExposeService(withExpr, { port: "80" })).toThrow(/to map-based selector format/);
  });
});

describe("set", () => {
  it("splits objects from changes and reads both TYPE NAME and TYPE/NAME for several objects", () => {
    expect(splitResourcesAndUpdates(["deployment", "web", "A=1", "B-"], (a) => a.includes("=") || a.endsWith("-"))).toEqual({ resources: ["deployment", "web"], updates: ["A=1", "B-"] });
    expect(() => splitResourcesAndUpdates(["deploy", "A=1", "web"], (a) => a.includes("="))).toThrow(/all resources must be specified before the changes/);
    expect(parseWorkloadArgs(["deploy", "a", "b"], ["Deployment"], "set").map((w) => w.name)).toEqual(["a", "b"]);
    expect(parseWorkloadArgs(["deploy/a", "sts/b"], ["Deployment", "StatefulSet"], "set").map((w) => w.resource.kind)).toEqual(["Deployment", "StatefulSet"]);
    expect(() => parseWorkloadArgs(["deploy/a", "b"], ["Deployment"], "set")).toThrow(/resource\/name form/);
  });
  it("updates env in place, appends new, removes KEY-, and refuses overwrites with --overwrite=false", () => {
    const current = [{ name: "A", value: "1" }, { name: "B", value: "2" }];
    expect(updateEnv(current, parseEnvArgs(["B=3", "C=4", "A-"]), true)).toEqual([{ name: "B", value: "3" }, { name: "C", value: "4" }]);
    expect(updateEnv(current, parseEnvArgs(["A=1"]), true)).toBeUndefined();
    expect(() => updateEnv(current, parseEnvArgs(["A=9"]), false)).toThrow("'A' already has a value (1), and --overwrite is false");
    expect(keyToEnvName("db.host-name")).toBe("DB_HOST_NAME");
    const secret = { apiVersion: "v1", kind: "Secret" as const, metadata: { name: "s" }, data: { b: "", a: "" } };
    expect(envFromSource(secret, "P_", ["a"])).toEqual([{ name: "P_A", valueFrom: { secretKeyRef: { name: "s", key: "a" } } }]);
  });
  it("merges resources per quantity and reports no change", () => {
    const c = { name: "w", image: "x", resources: { limits: { cpu: "1" } } };
    expect(updateResources(c, { memory: "1Gi" }, undefined)?.resources).toEqual({ limits: { cpu: "1", memory: "1Gi" } });
    expect(updateResources(c, { cpu: "1" }, undefined)).toBeUndefined();
  });
});
