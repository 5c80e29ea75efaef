/** Kinds without special rules (Endpoints): metadata validation only. */
import type { Strategy } from "./strategy.js";

export const genericStrategy: Strategy = { nameRule: "subdomain" };
