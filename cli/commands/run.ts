/**
 * `kctl run NAME --image=IMG [--port P] [--env K=V] [--labels a=b] [--restart=Never] [--command] [-- ARGS...]`:
 * create one Pod as kubectl run does (cli/generators/pod.ts), with --dry-run and -o.
 */
import type { Command } from "commander";
import type { CliContext, CommandModule } from "../command.js";
import { explicitNamespace, generatingAction, withCreateOutputFlags } from "../create-object.js";
import { commandAfterDashes } from "../dash-args.js";
import { repeatable } from "../flags.js";
import { containerPortFlag } from "./create-workloads.js";

interface RunFlags {
  image?: string;
  port?: string;
  env?: string[];
  labels?: string;
  annotations?: string[];
  restart?: string;
  imagePullPolicy?: string;
  command?: boolean;
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    withCreateOutputFlags(
      program
        .command("run")
        .description("Run a pod from an image (kctl run web --image=nginx --port=80; kctl run job --image=busybox --restart=Never --command -- sh -c 'echo hi')")
        .argument("<name>", "the pod's name")
        .argument("[args...]", "after --: the container's args (its command with --command)")
        .option("--image <image>", "the container image")
        .option("--port <port>", "the port the container exposes")
        .option("--env <KEY=VALUE>", "an environment variable; repeatable", repeatable)
        .option("-l, --labels <a=b,c=d>", "labels for the pod (default: run=NAME)")
        .option("--annotations <KEY=VALUE>", "an annotation for the pod; repeatable", repeatable)
        .option("--restart <policy>", "Always (default), OnFailure or Never")
        .option("--image-pull-policy <policy>", "Always, IfNotPresent or Never")
        .option("--command", "the words after -- are the command, not args"),
    ).action(
      generatingAction(ctx, async (cmd) => {
        const [name, extra] = cmd.processedArgs as [string, string[]];
        const f = cmd.opts<RunFlags>();
        const { generatePod } = await import("../generators/pod.js");
        return generatePod({
          name,
          image: f.image ?? "",
          port: containerPortFlag(f.port),
          env: f.env ?? [],
          labels: f.labels,
          annotations: f.annotations ?? [],
          restart: f.restart,
          imagePullPolicy: f.imagePullPolicy,
          command: !!f.command,
          args: commandAfterDashes(cmd, extra),
          namespace: explicitNamespace(ctx),
        });
      }),
    );
  },
};
