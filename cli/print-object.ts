/**
 * `-o yaml|json|name` for the verbs that print the objects they changed (patch, replace, apply,
 * create): managedFields hidden, as kubectl prints them.
 */
import type { ResourceInfo } from "../lib/kinds.js";
import type { KObject } from "../lib/types.js";
import type { Writer } from "./command.js";
import { UserError } from "./errors-output.js";

export type ObjectOutput = "yaml" | "json" | "name";

/** Check `-o` before anything is read or sent. */
export function parseObjectOutput(o: string | undefined): ObjectOutput | undefined {
  if (o === undefined || o === "") return undefined;
  if (o === "yaml" || o === "json" || o === "name") return o;
  throw new UserError(`unable to match a printer suitable for the output format "${o}", allowed formats are: json,name,yaml`);
}

/** Print an object the way `-o` asks; `id` is `kind.group/name` for `-o name`. */
export async function printObject(out: Writer, obj: KObject, r: ResourceInfo, output: ObjectOutput, id: string): Promise<void> {
  if (output === "name") out.write(`${id}\n`);
  else await printObjects(out, [{ obj, r }], output);
}

/** Print objects as yaml or json: one object as itself, several as a `List`, as kubectl apply does. */
export async function printObjects(out: Writer, items: readonly { obj: KObject; r: ResourceInfo }[], output: "yaml" | "json"): Promise<void> {
  if (!items.length) return;
  const { withoutManagedFields, withTypeMeta } = await import("./printers/output.js");
  const { asList, toJson } = await import("./printers/json.js");
  const shown = items.map(({ obj, r }) => withoutManagedFields(withTypeMeta(obj, r)));
  const doc = shown.length === 1 ? shown[0] : asList(shown);
  out.write(output === "json" ? toJson(doc) : (await import("./printers/yaml.js")).toYaml(doc));
}
