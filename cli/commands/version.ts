/** `kctl version`: client version, and the server's from GET /version. */
import type { CommandModule } from "../command.js";
import { guarded } from "../errors-output.js";
import { clientVersion } from "../version-info.js";

interface VersionInfo {
  gitVersion?: string;
  major?: string;
  minor?: string;
  [k: string]: unknown;
}

export const command: CommandModule = {
  register(program, ctx) {
    program
      .command("version")
      .description("Print the client and server version information")
      .option("--client", "print the client version only (no server needed)")
      .option("-o, --output <format>", "one of: json|yaml")
      .action(
        guarded(async (opts: { client?: boolean; output?: string }) => {
          const result: { clientVersion: { gitVersion: string }; serverVersion?: VersionInfo } = {
            clientVersion: { gitVersion: clientVersion() },
          };
          if (!opts.client) {
            const client = await ctx.client();
            result.serverVersion = await client.request<VersionInfo>("GET", "/version");
          }
          if (opts.output === "json") {
            ctx.out.write(`${JSON.stringify(result, null, 2)}\n`);
            return;
          }
          if (opts.output === "yaml") {
            const { toYaml } = await import("../printers/yaml.js");
            ctx.out.write(toYaml(result));
            return;
          }
          ctx.out.write(`Client Version: ${result.clientVersion.gitVersion}\n`);
          if (result.serverVersion) ctx.out.write(`Server Version: ${result.serverVersion.gitVersion ?? "unknown"}\n`);
        }),
      );
  },
};
