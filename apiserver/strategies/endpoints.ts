/** Endpoints (v1): written by the endpoints controller; metadata validation and kubectl's columns. */
import { endpointsPrinter } from "../../lib/printers/service.js";
import type { Strategy } from "./strategy.js";

export const endpointsStrategy: Strategy = {
  nameRule: "subdomain",
  printer: endpointsPrinter,
};
