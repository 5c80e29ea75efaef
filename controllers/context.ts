/** What every controller gets from the controller manager. */
import type { ApiClient } from "../lib/client.js";
import type { Logger } from "../lib/logger.js";
import type { Recorder } from "../lib/events.js";
import type { SharedInformers } from "../lib/shared-informers.js";

export interface ControllerContext {
  client: ApiClient;
  logger: Logger;
  informers: SharedInformers;
  /** an event recorder for the given component (source.component) */
  recorder(component: string): Recorder;
  now: () => Date;
  workers: number;
}
