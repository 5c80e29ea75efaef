/**
 * May this token act? kctl has no SelfSubjectAccessReview, so the view asks the authorizer the
 * way kubectl's `--dry-run=server` would: an empty merge patch with `dryRun=All` on a real object
 * runs authentication, authorization and admission and changes nothing. 403 means the token may
 * not write that resource in that namespace; the answer is cached per (resource, namespace).
 */
import { type Api, isForbidden } from "./api.js";

const cache = new Map<string, Promise<boolean>>();

/** Forget every answer (a new login). */
export function resetPermissions(): void {
  cache.clear();
}

/**
 * Whether the token may write `resource` objects in the namespace of the object at `objectPath`
 * (e.g. `/apis/apps/v1/namespaces/default/deployments/web`).
 */
export function mayWrite(api: Api, resource: string, namespace: string, objectPath: string): Promise<boolean> {
  const key = `${resource}/${namespace}`;
  let answer = cache.get(key);
  if (!answer) {
    answer = api
      .request("PATCH", `${objectPath}?dryRun=All`, { body: {}, contentType: "application/merge-patch+json" })
      .then(() => true)
      .catch((e: unknown) => {
        // Only a refusal is an answer; anything else (the object just went away) asks again later.
        if (!isForbidden(e)) cache.delete(key);
        return false;
      });
    cache.set(key, answer);
  }
  return answer;
}
