/**
 * `kctl edit TYPE NAME | TYPE/NAME [-o yaml|json]`, as kubectl: the object goes to a temp file
 * under kubectl's header comment, `$KUBE_EDITOR` / `$EDITOR` / vi edits it, and the change is
 * sent as a patch (original vs edited) with strict field validation.
 *
 *   GET ──> file ──> editor ──> unchanged / empty ──> "Edit cancelled, ..." (exit 0)
 *                      ^  │
 *                      │  └──> parse, check, PATCH ──> "deployment.apps/web edited"
 *                      │                │ error
 *                      └── reopened with the error as a comment; the same text saved again:
 *                          "A copy of your changes has been stored to ...", exit 1
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { ApiError } from "../../lib/errors.js";
import { isPlainObject } from "../../lib/json.js";
import type { KObject } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { errorMessage, guarded, UserError } from "../errors-output.js";
import { objectId, parseObjectArg } from "../object-arg.js";

interface EditFlags {
  output?: string;
  validate?: string | boolean;
  fieldManager?: string;
  outputPatch?: boolean;
}

/** The edited text as an object, or the line to show in the file when it is not one. */
async function parseEdited(text: string): Promise<Record<string, unknown> | string> {
  const YAML = (await import("yaml")).default;
  const doc = YAML.parseDocument(text, { prettyErrors: false, logLevel: "error" });
  if (doc.errors.length) return `The edited file had a syntax error: ${doc.errors[0].message.split("\n")[0]}`;
  const value: unknown = doc.toJS();
  if (!isPlainObject(value)) return "The edited file had a syntax error: the object must be a map of fields";
  return value;
}

/** kubectl's precondition: the edit must not turn the object into another one. */
function identityChanged(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const name = (o: Record<string, unknown>) => (isPlainObject(o.metadata) ? o.metadata.name : undefined);
  return a.apiVersion !== b.apiVersion || a.kind !== b.kind || name(a) !== name(b);
}

async function run(ctx: CliContext, args: string[], flags: EditFlags): Promise<void> {
  const format = flags.output ?? "yaml";
  if (format !== "yaml" && format !== "json") throw new UserError(`the edit mode "${format}" is not supported: use -o yaml or -o json`);
  const { parseValidate } = await import("../apply/run.js");
  const validation = parseValidate(flags.validate);
  const target = parseObjectArg(args, "edit");
  const id = objectId(target);
  const client = await ctx.client();
  client.fieldValidation = validation;
  const ns = ctx.namespace();
  const live = await client.get<KObject>(target.resource.kind, target.name, target.resource.namespaced ? ns : undefined);
  const { withoutManagedFields, withTypeMeta } = await import("../printers/output.js");
  const shown = JSON.parse(JSON.stringify(withoutManagedFields(withTypeMeta(live, target.resource)))) as Record<string, unknown>;
  let body = format === "json" ? (await import("../printers/json.js")).toJson(shown) : (await import("../printers/yaml.js")).toYaml(shown);

  const edit = await import("../edit/edit-file.js");
  const { createMergePatch } = await import("../edit/merge-patch.js");
  const { sendPatch } = await import("../patch/send.js");
  const file = await edit.newEditFile(format);
  const editor = edit.editorCommand();
  // kubectl's way of naming the object in edit's messages: deployments.apps "web"
  const quoted = `${target.resource.plural}${target.resource.group ? `.${target.resource.group}` : ""} "${target.name}"`;
  const done = async (line: string, w = ctx.out): Promise<void> => {
    await rm(path.dirname(file), { recursive: true, force: true });
    w.write(`${line}\n`);
  };
  /** the comment shown in the reopened file */
  let error: string | undefined;
  /** the same failure as one line, printed when the user gives up */
  let errorLine: string | undefined;
  for (;;) {
    const saved = edit.stripComments(await edit.editInEditor(file, edit.editFileText(body, error), editor));
    if (saved.trim() === "") return done("Edit cancelled, saved file was empty.", ctx.err);
    if (error !== undefined && saved === body) {
      // saved again without a change after an error: give up, keep the file (kubectl's ending)
      ctx.err.write(`error: ${errorLine ?? error}\n`);
      ctx.err.write(`A copy of your changes has been stored to "${file}"\n`);
      throw new UserError("Edit cancelled, no valid changes were saved.");
    }
    body = saved;
    const edited = await parseEdited(saved);
    errorLine = undefined;
    if (typeof edited === "string") {
      error = edited;
      continue;
    }
    if (identityChanged(shown, edited)) {
      error = "At least one of apiVersion, kind and name was changed";
      continue;
    }
    const patch = createMergePatch(shown, edited);
    if (Object.keys(patch).length === 0) return done("Edit cancelled, no changes made.", ctx.err);
    if (flags.outputPatch) ctx.out.write(`Patch: ${JSON.stringify(patch)}\n`);
    try {
      await sendPatch(client, target, patch, { namespace: ns, type: "merge", fieldManager: flags.fieldManager ?? "kubectl-edit" });
    } catch (e) {
      if (!(e instanceof ApiError) || e.code === 401 || e.code === 403 || e.code === 404) throw e;
      if (e.reason === "Invalid") {
        // a validation error: reopen the file with the causes, as kubectl does
        const causes = e.details?.causes?.length ? e.details.causes.map((c) => `* ${c.field ? `${c.field}: ` : ""}${c.message ?? ""}`) : [`* ${errorMessage(e)}`];
        error = `${quoted} was not valid:\n${causes.join("\n")}`;
        errorLine = `${quoted} is invalid`;
        continue;
      }
      // anything else (strict decoding, a conflict): kubectl stops and points at the file
      ctx.err.write(`error: ${quoted} could not be patched: ${errorMessage(e)}\n`);
      ctx.err.write(`You can run \`kctl replace -f ${file}\` to try this update again.\n`);
      process.exitCode = 1;
      return;
    }
    return done(`${id} edited`);
  }
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("edit")
      .description("Edit an object in $KUBE_EDITOR or $EDITOR (default vi) and save the change (kctl edit deploy web)")
      .argument("<resource...>", "TYPE NAME or TYPE/NAME")
      .option("-o, --output <format>", "edit as yaml (default) or json")
      .option("--validate [mode]", "server-side field validation: strict (default), warn or ignore")
      .option("--field-manager <name>", "the manager recorded in managedFields", "kubectl-edit")
      .option("--output-patch", "print the patch sent")
      .action(guarded((args: string[], flags: EditFlags) => run(ctx, args, flags)));
  },
};
