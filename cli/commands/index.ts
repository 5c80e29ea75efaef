/**
 * The static list of kctl commands. To add a command: create cli/commands/<name>.ts exporting
 * `const command: CommandModule`, then add ONE import line and ONE entry below.
 */
import type { CommandModule } from "../command.js";
import { command as exec } from "./exec.js";
import { command as apply } from "./apply.js";
import { command as create } from "./create.js";
import { command as del } from "./delete.js";
import { command as apiResources } from "./api-resources.js";
import { command as config } from "./config.js";
import { command as describe } from "./describe.js";
import { command as get } from "./get.js";
import { command as logs } from "./logs.js";
import { command as version } from "./version.js";
import { command as cordon } from "./cordon.js";
import { command as scheduler } from "./scheduler.js";
import { command as simulateNodes } from "./simulate-nodes.js";
import { command as server } from "./server.js";
import { command as controllerManager } from "./controller-manager.js";
import { command as rollout } from "./rollout.js";
import { command as scale } from "./scale.js";
import { command as setImage } from "./set-image.js";
import { command as agent } from "./agent.js";
import { command as token } from "./token.js";
import { labelCommand as label, annotateCommand as annotate } from "./label.js";
import { command as wait } from "./wait.js";
import { command as top } from "./top.js";
import { command as run } from "./run.js";
import { command as expose } from "./expose.js";
import { command as setEnv } from "./set-env.js";
import { command as setResources } from "./set-resources.js";
import { command as portForward } from "./port-forward.js";
import { command as patch } from "./patch.js";
import { command as edit } from "./edit.js";
import { command as replace } from "./replace.js";
import { command as diff } from "./diff.js";
import { command as attach } from "./attach.js";
import { command as cp } from "./cp.js";
import { command as explain } from "./explain.js";
import { command as dashboard } from "./dashboard.js";

export const COMMANDS: CommandModule[] = [
  exec,
  apply,
  create,
  del,
  apiResources,
  config,
  describe,
  get,
  logs,
  version,
  cordon,
  scheduler,
  simulateNodes,
  server,
  controllerManager,
  rollout,
  scale,
  setImage,
  agent,
  token,
  label,
  annotate,
  wait,
  top,
  run,
  expose,
  setEnv,
  setResources,
  portForward,
  patch,
  edit,
  replace,
  diff,
  attach,
  cp,
  explain,
  dashboard,
];
