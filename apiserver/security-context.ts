/**
 * The security parts of the server context (app.ts puts them on the context object; route
 * modules reach them through `security(ctx)` so context.ts stays as it is).
 */
import type { TokenAuth } from "./auth.js";
import type { ServerContext } from "./context.js";
import type { JoinTokens } from "./join-tokens.js";
import type { Pki } from "./pki/index.js";

export interface SecurityContext {
  tokens: TokenAuth;
  joinTokens: JoinTokens;
  /** the cluster PKI; absent only for apps built without startApiServer (some tests) */
  pki?: Pki;
}

/** The security fields of a context built by createApiServer. */
export function security(ctx: ServerContext): SecurityContext {
  return ctx as ServerContext & SecurityContext;
}
