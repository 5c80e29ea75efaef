/**
 * `kctl create configmap|secret ...`: kubectl's generators for configuration data (registered
 * under `kctl create` by create.ts, whose `--dry-run` and `-o` they use). Every source is read
 * and checked before the server is asked.
 */
import type { Command } from "commander";
import type { CliContext } from "../command.js";
import { explicitNamespace, generatingAction } from "../create-object.js";
import { repeatable } from "../flags.js";
import type { DataSourceFlags } from "../generators/data-sources.js";

interface DataFlags {
  fromFile?: string[];
  fromLiteral?: string[];
  fromEnvFile?: string[];
  type?: string;
}

interface TlsFlags {
  cert?: string;
  key?: string;
}

interface DockerFlags {
  dockerServer: string;
  dockerUsername?: string;
  dockerPassword?: string;
  dockerEmail?: string;
  fromFile?: string[];
}

function withDataSourceFlags(cmd: Command): Command {
  return cmd
    .option("--from-file <[key=]source>", "a file (key: its base name, or KEY=), or a directory (each regular file); repeatable", repeatable)
    .option("--from-literal <key=value>", "a key and literal value; repeatable", repeatable)
    .option("--from-env-file <file>", "KEY=VALUE lines (# comments); repeatable", repeatable);
}

function sources(cmd: Command): DataSourceFlags {
  const f = cmd.opts<DataFlags>();
  return { fromFile: f.fromFile ?? [], fromLiteral: f.fromLiteral ?? [], fromEnvFile: f.fromEnvFile ?? [] };
}

function registerConfigMap(create: Command, ctx: CliContext): void {
  withDataSourceFlags(
    create
      .command("configmap")
      .alias("cm")
      .description("Create a config map from files, directories, literals or env files (kctl create configmap web --from-literal=mode=fast)")
      .argument("<name>", "the config map's name"),
  ).action(
    generatingAction(ctx, async (cmd) => {
      const { generateConfigMap } = await import("../generators/configmap.js");
      return generateConfigMap(cmd.processedArgs[0] as string, sources(cmd), explicitNamespace(ctx));
    }),
  );
}

function registerSecret(create: Command, ctx: CliContext): void {
  const secret = create.command("secret").description("Create a secret: generic, tls or docker-registry");
  withDataSourceFlags(
    secret
      .command("generic")
      .description("Create a secret from files, directories, literals or env files (kctl create secret generic db --from-literal=password=s3cret)")
      .argument("<name>", "the secret's name")
      .option("--type <type>", "the secret's type (default: Opaque, set by the server)"),
  ).action(
    generatingAction(ctx, async (cmd) => {
      const { generateGenericSecret } = await import("../generators/secret.js");
      return generateGenericSecret(cmd.processedArgs[0] as string, sources(cmd), cmd.opts<DataFlags>().type, explicitNamespace(ctx));
    }),
  );
  secret
    .command("tls")
    .description("Create a TLS secret from a PEM certificate and its key (kctl create secret tls web-tls --cert=tls.crt --key=tls.key)")
    .argument("<name>", "the secret's name")
    .option("--cert <file>", "PEM-encoded certificate (chain)")
    .option("--key <file>", "PEM-encoded private key of that certificate")
    .action(
      generatingAction(ctx, async (cmd) => {
        const f = cmd.opts<TlsFlags>();
        const { generateTlsSecret } = await import("../generators/secret.js");
        return generateTlsSecret(cmd.processedArgs[0] as string, f.cert, f.key, explicitNamespace(ctx));
      }),
    );
  secret
    .command("docker-registry")
    .description("Create a secret for pulling images from a registry (kctl create secret docker-registry reg --docker-username=u --docker-password=p)")
    .argument("<name>", "the secret's name")
    .option("--docker-server <server>", "the registry", "https://index.docker.io/v1/")
    .option("--docker-username <user>", "user name for the registry")
    .option("--docker-password <password>", "password for the registry")
    .option("--docker-email <email>", "email for the registry")
    .option("--from-file <[key=]source>", "an existing .dockerconfigjson file instead of the credentials", repeatable)
    .action(
      generatingAction(ctx, async (cmd) => {
        const f = cmd.opts<DockerFlags>();
        const { generateDockerRegistrySecret } = await import("../generators/secret.js");
        const o = { server: f.dockerServer, username: f.dockerUsername, password: f.dockerPassword, email: f.dockerEmail, fromFile: f.fromFile ?? [] };
        return generateDockerRegistrySecret(cmd.processedArgs[0] as string, o, explicitNamespace(ctx));
      }),
    );
}

/** Register `create configmap` and `create secret generic|tls|docker-registry` under `create`. */
export function registerCreateData(create: Command, ctx: CliContext): void {
  registerConfigMap(create, ctx);
  registerSecret(create, ctx);
}
