/**
 * `kctl run NAME --image=IMG`: the Pod kubectl generates. Label `run: NAME` (unless --labels),
 * one container named NAME, `dnsPolicy: ClusterFirst`, restart policy Always unless --restart;
 * the words after `--` are the container's args, or its command with --command.
 */
import type { Container, EnvVar, Labels, Pod } from "../../lib/types.js";
import { UserError } from "../errors-output.js";

export interface PodOptions {
  name: string;
  image: string;
  port?: number;
  env: readonly string[];
  /** `a=b,c=d` (replaces `run: NAME`) */
  labels?: string;
  annotations: readonly string[];
  restart?: string;
  imagePullPolicy?: string;
  /** the words after `--` are the command, not args */
  command: boolean;
  args: readonly string[];
  namespace?: string;
}

const RESTART_POLICIES = ["Always", "OnFailure", "Never"] as const;
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** `a=b,c=d` -> labels, with kubectl's message for a malformed item. */
export function parseLabelSpec(spec: string): Labels {
  const out: Labels = {};
  for (const item of spec.split(",")) {
    const parts = item.split("=");
    if (parts.length !== 2) throw new UserError(`unexpected label spec: ${item}`);
    if (parts[0] === "") throw new UserError("unexpected empty label key");
    out[parts[0]] = parts[1];
  }
  return out;
}

/** `--env NAME=VALUE` items to env vars. */
export function parseEnvVars(items: readonly string[]): EnvVar[] {
  return items.map((item) => {
    const eq = item.indexOf("=");
    if (eq < 0) throw new UserError(`invalid env: ${item}`);
    const name = item.slice(0, eq);
    if (!ENV_NAME.test(name)) throw new UserError(`invalid env: ${item}: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit`);
    return { name, value: item.slice(eq + 1) };
  });
}

/** Build the Pod; throws a UserError for a bad flag value. */
export function generatePod(o: PodOptions): Pod {
  if (!o.image) throw new UserError("required flag(s) \"image\" not set");
  const restart = o.restart ?? "Always";
  if (!(RESTART_POLICIES as readonly string[]).includes(restart)) throw new UserError(`invalid restart policy: ${restart}`);
  if (o.imagePullPolicy !== undefined && !(PULL_POLICIES as readonly string[]).includes(o.imagePullPolicy)) {
    throw new UserError(`invalid image pull policy: ${o.imagePullPolicy}`);
  }
  if (o.command && o.args.length === 0) throw new UserError("--command requires a command after --");
  const annotations: Record<string, string> = {};
  for (const a of o.annotations) {
    const eq = a.indexOf("=");
    if (eq <= 0) throw new UserError(`invalid annotation spec: ${a}`);
    annotations[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const labels = o.labels ? parseLabelSpec(o.labels) : { run: o.name };
  const env = parseEnvVars(o.env);
  const container: Container = {
    ...(o.args.length ? (o.command ? { command: [...o.args] } : { args: [...o.args] }) : {}),
    ...(env.length ? { env } : {}),
    image: o.image,
    ...(o.imagePullPolicy ? { imagePullPolicy: o.imagePullPolicy as Container["imagePullPolicy"] } : {}),
    name: o.name,
    ...(o.port !== undefined ? { ports: [{ containerPort: o.port }] } : {}),
    resources: {},
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: o.name,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
      labels,
    },
    spec: { containers: [container], dnsPolicy: "ClusterFirst", restartPolicy: restart as Pod["spec"]["restartPolicy"] },
    status: {},
  };
}
