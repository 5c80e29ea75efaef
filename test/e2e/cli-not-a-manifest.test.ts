/**
 * Files that are not Kubernetes manifests, given to real `kctl apply|create -f` processes: a Helm
 * template, a Compose file, invalid YAML, a mapping used as a key. Each is one line naming the
 * file, the line and what is wrong; no library warning; exit 1; nothing sent (the server address
 * is a closed port, so anything sent would fail differently). A ConfigMap that merely carries a
 * template of its own (Prometheus' `{{ $labels.x }}`) is still a manifest.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kctl } from "../helpers/cli.js";

let dir: string;
const FILES: Record<string, string> = {
  "chart.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.name }}\nspec:\n  replicas: {{ .Values.replicas }}\n",
  "quoted-chart.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  image: \"{{ .Values.image }}\"\n",
  "docker-compose.yml": "version: \"3.8\"\nservices:\n  web:\n    image: nginx\n    ports: [\"8080:80\"]\n",
  "broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [unclosed\n  b: 2\n",
  "map-key.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {{a: b}: c}\n",
  "alerts.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alerts\ndata:\n  rule: \"{{ $labels.instance }} is down\"\n",
};
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-not-manifest-"));
  for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, name), text);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function oneLineError(verb: "apply" | "create", file: string): Promise<string> {
  const r = await kctl([verb, "-f", file, "--server", "http://127.0.0.1:1"], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).not.toMatch(/Warning|stringified|\n\s+at /);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0]!;
}

describe("input that is not a manifest", () => {
  it("a Helm template: file, line, the action, and to render it first", async () => {
    for (const verb of ["apply", "create"] as const) {
      expect(await oneLineError(verb, "chart.yaml")).toBe(
        "error: chart.yaml:4:9: this is a template, not a manifest ({{ .Values.name }}): render it first (e.g. helm template), then apply the output",
      );
    }
    // Valid YAML all the same (the action is quoted), still a template.
    expect(await oneLineError("apply", "quoted-chart.yaml")).toMatch(/^error: quoted-chart\.yaml:6:11: this is a template, not a manifest \(\{\{ \.Values\.image \}\}\)/);
  });

  it("a Compose file: says kctl reads Kubernetes manifests", async () => {
    expect(await oneLineError("apply", "docker-compose.yml")).toMatch(
      /^error: docker-compose\.yml:2:1: this is a Docker Compose file \(services:\), not a Kubernetes manifest: kctl reads Kubernetes manifests/,
    );
  });

  it("invalid YAML: file, line, column and the parser's problem", async () => {
    expect(await oneLineError("apply", "broken.yaml")).toMatch(/^error: broken\.yaml:7:3: Flow sequence in block collection must be sufficiently indented and end with a \]$/);
  });

  it("a mapping used as a key is an error, not a stringified key and a library warning", async () => {
    expect(await oneLineError("apply", "map-key.yaml")).toBe("error: map-key.yaml:5:12: a mapping or list is used as a key ({a: b}); manifest keys are plain names");
  });

  it("a ConfigMap carrying its own template is still a manifest", async () => {
    const r = await kctl(["create", "-f", "alerts.yaml", "--dry-run=client", "--server", "http://127.0.0.1:1"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("configmap/alerts created (dry run)\n");
  });
});
