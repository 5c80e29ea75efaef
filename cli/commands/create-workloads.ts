/**
 * `kctl create deployment|namespace|service ...`: kubectl's generators for workloads and their
 * plumbing (registered under `kctl create` by create.ts, whose `--dry-run` and `-o` they use).
 */
import type { Command } from "commander";
import type { CronJob } from "../../lib/types.js";
import type { CliContext } from "../command.js";
import { explicitNamespace, generatingAction } from "../create-object.js";
import { commandAfterDashes } from "../dash-args.js";
import { UserError } from "../errors-output.js";
import { repeatable, repeatableList } from "../flags.js";
import { replicasFlag } from "../workload-args.js";

interface DeploymentFlags {
  image?: string[];
  replicas?: string;
  port?: string;
}

interface ServiceFlags {
  tcp?: string[];
  clusterip?: string;
  nodePort?: string;
}

/** `--port` of create deployment / run: a container port 1-65535. */
export function containerPortFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UserError(`--port must be a number between 1 and 65535, got "${v}"`);
  return n;
}

function registerDeployment(create: Command, ctx: CliContext): void {
  create
    .command("deployment")
    .alias("deploy")
    .description("Create a deployment (kctl create deployment web --image=nginx --replicas=2 --port=80 [-- COMMAND ARGS...])")
    .argument("<name>", "the deployment's name")
    .argument("[command...]", "after --: the command every container runs")
    .option("--image <image>", "the image of a container; repeat for several containers", repeatable)
    .option("-r, --replicas <n>", "number of replicas (default 1)")
    .option("--port <port>", "the port the (first) container exposes")
    .action(
      generatingAction(ctx, async (cmd) => {
        const [name, extra] = cmd.processedArgs as [string, string[]];
        const flags = cmd.opts<DeploymentFlags>();
        const { generateDeployment } = await import("../generators/deployment.js");
        return generateDeployment({
          name,
          images: flags.image ?? [],
          replicas: replicasFlag(flags.replicas, "--replicas") ?? 1,
          port: containerPortFlag(flags.port),
          command: commandAfterDashes(cmd, extra),
          namespace: explicitNamespace(ctx),
        });
      }),
    );
}

function registerNamespace(create: Command, ctx: CliContext): void {
  create
    .command("namespace")
    .alias("ns")
    .description("Create a namespace (kctl create namespace team-a)")
    .argument("<name>", "the namespace's name")
    .action(
      generatingAction(ctx, async (cmd) => {
        const { generateNamespace } = await import("../generators/namespace.js");
        return generateNamespace(cmd.processedArgs[0] as string);
      }),
    );
}

const SERVICE_TYPES = [
  { sub: "clusterip", type: "ClusterIP", help: "Create a ClusterIP service (kctl create service clusterip web --tcp=80:8080; --clusterip=None: headless)" },
  { sub: "nodeport", type: "NodePort", help: "Create a NodePort service (kctl create service nodeport web --tcp=80:8080 [--node-port=30080])" },
  { sub: "loadbalancer", type: "LoadBalancer", help: "Create a LoadBalancer service (kctl create service loadbalancer web --tcp=80:8080)" },
] as const;

function registerService(create: Command, ctx: CliContext): void {
  const service = create.command("service").alias("svc").description("Create a service: clusterip, nodeport or loadbalancer");
  for (const t of SERVICE_TYPES) {
    const sub = service
      .command(t.sub)
      .description(t.help)
      .argument("<name>", "the service's name")
      .option("--tcp <port[:targetPort]>", "PORT or PORT:TARGET_PORT; repeatable or comma-separated", repeatableList);
    if (t.type === "ClusterIP") sub.option("--clusterip <ip>", "the cluster IP to assign, or None for a headless service");
    else sub.option("--node-port <port>", "the node port of every port (default: allocated by the server)");
    sub.action(
      generatingAction(ctx, async (cmd) => {
        const flags = cmd.opts<ServiceFlags>();
        const { generateService, parsePortNumber } = await import("../generators/service.js");
        return generateService({
          name: cmd.processedArgs[0] as string,
          type: t.type,
          tcp: flags.tcp ?? [],
          clusterIP: flags.clusterip,
          nodePort: flags.nodePort === undefined ? undefined : parsePortNumber(flags.nodePort, "node port"),
          namespace: explicitNamespace(ctx),
        });
      }),
    );
  }
}

function registerJobs(create: Command, ctx: CliContext): void {
  create
    .command("job")
    .description("Create a job (kctl create job NAME --image=IMG [-- COMMAND ARGS...], or --from=cronjob/NAME)")
    .argument("<name>", "the job's name")
    .argument("[command...]", "after --: the command the container runs")
    .option("--image <image>", "the image of the container")
    .option("--from <cronjob/NAME>", "create the job from a cronjob's template (cronjob/NAME)")
    .action(
      generatingAction(ctx, async (cmd) => {
        const [name, extra] = cmd.processedArgs as [string, string[]];
        const flags = cmd.opts<{ image?: string; from?: string }>();
        const gen = await import("../generators/job.js");
        const command = commandAfterDashes(cmd, extra);
        if (flags.from !== undefined) {
          if (flags.image !== undefined) throw new UserError("either --image or --from must be specified, not both");
          if (command.length) throw new UserError("cannot specify --from and command");
          const client = await ctx.client();
          const cj = await client.get<CronJob>("CronJob", gen.parseFromFlag(flags.from), ctx.namespace());
          return gen.jobFromCronJob(name, cj, explicitNamespace(ctx));
        }
        return gen.generateJob({ name, image: flags.image, command, namespace: explicitNamespace(ctx) });
      }),
    );
  create
    .command("cronjob")
    .alias("cj")
    .description("Create a cronjob (kctl create cronjob NAME --image=IMG --schedule='*/5 * * * *' [--restart=OnFailure|Never] [-- COMMAND ARGS...])")
    .argument("<name>", "the cronjob's name")
    .argument("[command...]", "after --: the command the container runs")
    .option("--image <image>", "the image of the container")
    .option("--schedule <cron>", "the schedule, in cron format (five fields or @hourly, @daily, ...)")
    .option("--restart <policy>", "the pods' restart policy: OnFailure (default) or Never")
    .action(
      generatingAction(ctx, async (cmd) => {
        const [name, extra] = cmd.processedArgs as [string, string[]];
        const flags = cmd.opts<{ image?: string; schedule?: string; restart?: string }>();
        const { generateCronJob } = await import("../generators/job.js");
        return generateCronJob({ name, image: flags.image, schedule: flags.schedule, restart: flags.restart, command: commandAfterDashes(cmd, extra), namespace: explicitNamespace(ctx) });
      }),
    );
}

/** Register `create deployment|job|cronjob`, `create namespace` and `create service ...` under `create`. */
export function registerCreateWorkloads(create: Command, ctx: CliContext): void {
  registerDeployment(create, ctx);
  registerJobs(create, ctx);
  registerNamespace(create, ctx);
  registerService(create, ctx);
}
