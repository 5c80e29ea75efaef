/** The admission plugins every API server runs, in order (authz/admission.ts runs them). */
import type { AdmissionPlugin } from "./admission.js";
import { nodeRestriction } from "./node-restriction.js";

export const admissionPlugins: readonly AdmissionPlugin[] = [nodeRestriction];
