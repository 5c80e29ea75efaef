/**
 * Admission: the checks that need the object itself, not just the path. The authorizer decides on
 * verb + resource + namespace + name (the canonical path); a create names its object only in the
 * body, and an update's meaning is the difference between the stored object and the new one. The
 * registry runs every plugin inside its synchronous write section, on the object as it would be
 * stored (after normalize and defaults, before validation and the write), so what is admitted is
 * exactly what is written, and a refusal stores nothing.
 *
 * A plugin is a pure decision `(request) => true | reason`; `admit` turns a reason into a 403
 * Forbidden Status naming the object and the rule.
 */
import { forbidden } from "../../lib/errors.js";
import type { ResourceInfo } from "../../lib/kinds.js";
import type { KObject } from "../../lib/types.js";
import type { User } from "../security/auth.js";

/** One write as admission sees it. */
export interface AdmissionRequest {
  /** who asks (absent for the server's own writes, which admission never sees) */
  user: User;
  verb: "create" | "update";
  ri: ResourceInfo;
  /** `status` for the status subresource */
  subresource?: string;
  /** the stored object (update only) */
  old?: KObject;
  /** the object as it will be stored */
  obj: KObject;
}

/** `true` admits; a string refuses, stating the rule. */
export type AdmissionPlugin = (req: AdmissionRequest) => true | string;

/** Run `plugins` in order; the first refusal throws a 403 Forbidden. */
export function admit(plugins: readonly AdmissionPlugin[], req: AdmissionRequest): void {
  for (const plugin of plugins) {
    const verdict = plugin(req);
    if (verdict === true) continue;
    const resource = req.ri.group ? `${req.ri.plural}.${req.ri.group}` : req.ri.plural;
    const name = req.obj.metadata.name ?? req.obj.metadata.generateName ?? "";
    throw forbidden(`${resource} "${name}" is forbidden: ${verdict}`);
  }
}
