/**
 * `kctl expose deployment|rs|pod|svc NAME --port P [--target-port T] [--type T] [--name N]`:
 * read the object, then create a Service selecting its pods, as kubectl expose does
 * (selector, ports and labels from the object; cli/generators/service.ts).
 */
import type { Command } from "commander";
import type { CliContext, CommandModule } from "../command.js";
import { explicitNamespace, generatingAction, withCreateOutputFlags } from "../create-object.js";
import { parseWorkloadArg } from "../workload-args.js";

interface ExposeFlags {
  port?: string;
  targetPort?: string;
  protocol?: string;
  type?: string;
  name?: string;
  labels?: string;
  selector?: string;
  clusterIp?: string;
  externalIp?: string;
  sessionAffinity?: string;
  nodePort?: string;
}

/** What kubectl can expose (its CanBeExposed list, less ReplicationController, which kctl does not serve). */
const EXPOSABLE = ["Deployment", "ReplicaSet", "Pod", "Service"];

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    withCreateOutputFlags(
      program
        .command("expose")
        .description("Expose a deployment, replica set, pod or service as a new service (kctl expose deployment web --port=80 --target-port=8080)")
        .argument("<resource...>", "TYPE NAME or TYPE/NAME")
        .option("--port <port>", "the port the service serves on (default: the object's ports)")
        .option("--target-port <port>", "name or number of the container port traffic goes to (default: --port)")
        .option("--protocol <protocol>", "TCP, UDP or SCTP (default: the object's, else TCP)")
        .option("--type <type>", "ClusterIP (default), NodePort or LoadBalancer")
        .option("--name <name>", "the service's name (default: the object's)")
        .option("-l, --labels <a=b,c=d>", "labels for the service (default: the object's)")
        .option("--selector <a=b,c=d>", "the pod selector (default: the object's)")
        .option("--cluster-ip <ip>", "the cluster IP to assign, or None for a headless service")
        .option("--external-ip <ip>", "an external IP the service also accepts traffic on")
        .option("--session-affinity <affinity>", "None or ClientIP")
        .option("--node-port <port>", "kctl extension: the node port (with --type=NodePort or LoadBalancer)"),
    ).action(
      generatingAction(
        ctx,
        async (cmd) => {
          const target = parseWorkloadArg(cmd.processedArgs[0] as string[], EXPOSABLE, "expose");
          const f = cmd.opts<ExposeFlags>();
          const { generateExposeService, parsePortNumber } = await import("../generators/service.js");
          const nodePort = f.nodePort === undefined ? undefined : parsePortNumber(f.nodePort, "node port");
          const client = await ctx.client();
          const obj = await client.get(target.resource.kind, target.name, ctx.namespace());
          return generateExposeService(obj, {
            port: f.port,
            targetPort: f.targetPort,
            protocol: f.protocol,
            type: f.type,
            name: f.name,
            labels: f.labels,
            selector: f.selector,
            clusterIP: f.clusterIp,
            externalIP: f.externalIp,
            sessionAffinity: f.sessionAffinity,
            nodePort,
            namespace: explicitNamespace(ctx),
          });
        },
        "exposed",
      ),
    );
  },
};
