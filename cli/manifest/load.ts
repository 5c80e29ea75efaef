/** `-f` arguments to validated objects: read, parse and check every document before anything is sent. */
import type { CliContext } from "../command.js";
import { errorMessage } from "../errors-output.js";
import { parseSource, type ManifestObject } from "./parse.js";
import { readSources } from "./sources.js";
import { validateObject, type ValidObject } from "./validate.js";

export interface LoadResult {
  objects: ValidObject[];
  /** one line each (file:line:col: message) */
  errors: string[];
}

/** Load and validate; never throws for bad documents (they are returned as errors). */
export async function loadManifests(
  ctx: CliContext,
  files: string[],
  opts: { recursive?: boolean; allowGenerateName?: boolean } = {},
): Promise<LoadResult> {
  const sources = await readSources(files, { recursive: opts.recursive });
  const errors: string[] = [];
  const parsed: ManifestObject[] = [];
  for (const s of sources) {
    try {
      parsed.push(...parseSource(s));
    } catch (e) {
      errors.push(errorMessage(e));
    }
  }
  const namespace = ctx.namespace();
  const namespaceFlag = !!ctx.globals().namespace;
  const objects: ValidObject[] = [];
  for (const m of parsed) {
    try {
      objects.push(validateObject(m, { namespace, namespaceFlag, allowGenerateName: opts.allowGenerateName }));
    } catch (e) {
      errors.push(errorMessage(e));
    }
  }
  if (errors.length === 0 && objects.length === 0) errors.push(`no objects passed to ${files.length ? "the command" : "-f"}`);
  return { objects, errors };
}
