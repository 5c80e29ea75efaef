/**
 * What `kctl server` prints once it is up: where it runs, then three short lines a new user can
 * act on — where the kubeconfig is, a first command to try, and how another machine joins.
 */
import fs from "node:fs";
import path from "node:path";

export interface StartSummaryInput {
  apiUrl: string;
  dataDir: string;
  /** the admin kubeconfig the server wrote */
  kubeconfigPath: string;
  /** " (copied to ~/.kctl/config)" or why it was not; from installDefaultKubeconfig */
  kubeconfigNote: string;
  /** the kubeconfig a client must name with --kubeconfig, or undefined when its default one works */
  clientKubeconfig?: string;
  /** the `kctl agent ...` command, or undefined when agents cannot join (plain HTTP) */
  joinCommand?: string;
  /** whether this process runs a node agent (else pods wait for one to join) */
  kubelet: boolean;
  /** the example's images are not on the local engine yet: build them first (no registry has them) */
  imagesMissing?: boolean;
  /** process.argv[1] and process.cwd(), to suggest commands the user can paste as they are */
  argv1?: string;
  cwd?: string;
}

/** The start-up summary, newline-terminated. */
export function startSummary(i: StartSummaryInput): string {
  const cwd = i.cwd ?? process.cwd();
  const kctl = kctlInvocation(i.argv1 ?? process.argv[1] ?? "kctl", cwd);
  const kubeconfigFlag = i.clientKubeconfig ? ` --kubeconfig ${i.clientKubeconfig}` : "";
  const manifest = exampleManifest(i.argv1 ?? process.argv[1], cwd);
  // The example's images come from a local script, not a registry: on a fresh machine, build first.
  const buildImages = manifest && i.imagesMissing ? `bash ${path.join(path.dirname(path.dirname(manifest)), "scripts", "build-test-images.sh")} && ` : "";
  const first = manifest ? `${buildImages}${kctl}${kubeconfigFlag} apply -f ${manifest}` : `${kctl}${kubeconfigFlag} get nodes`;
  return (
    `kctl server is running: API ${i.apiUrl}, data in ${i.dataDir}\n` +
    `kubeconfig: ${i.kubeconfigPath}${i.kubeconfigNote}\n` +
    `try: ${first}${i.kubelet ? "" : "   (pods run once an agent joins)"}\n` +
    (i.joinCommand
      ? `join another machine: ${i.joinCommand}\n`
      : `plain HTTP (--insecure-http): agents cannot join with a CA-pinned token; restart without --insecure-http to add nodes\n`)
  );
}

/** `./bin/kctl` when run from the kctl folder (as the README does), else `kctl`. */
function kctlInvocation(argv1: string, cwd: string): string {
  const rel = path.relative(cwd, argv1);
  if (path.basename(argv1) === "kctl" && !rel.startsWith("..") && !path.isAbsolute(rel)) return `./${rel}`;
  return "kctl";
}

/** The image manifests/web.yaml runs (built locally by scripts/build-test-images.sh). */
export const EXAMPLE_IMAGE = "kctl-test/web:v1";

/** manifests/web.yaml relative to the cwd, or the one shipped next to this kctl, if present. */
function exampleManifest(argv1: string | undefined, cwd: string): string | undefined {
  const candidates = [path.join(cwd, "manifests", "web.yaml")];
  if (argv1) candidates.push(path.resolve(path.dirname(argv1), "..", "manifests", "web.yaml"));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) return undefined;
  const rel = path.relative(cwd, found);
  return rel.startsWith("..") ? found : rel;
}
