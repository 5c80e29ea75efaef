/**
 * `kctl create deployment NAME --image=IMG...`: the Deployment kubectl generates. Labels,
 * selector and template labels are all `app: NAME`; one container per image, named after the
 * image; `--port` goes on the first container; a command (after `--`) on every container.
 */
import type { Container, Deployment } from "../../lib/types.js";
import { UserError } from "../errors-output.js";
import { containerNameForImage } from "./container-name.js";

export interface DeploymentOptions {
  name: string;
  images: readonly string[];
  replicas: number;
  /** containerPort of the first container (undefined: none) */
  port?: number;
  command: readonly string[];
  namespace?: string;
}

/** Build the Deployment; throws a UserError for a combination kubectl refuses. */
export function generateDeployment(o: DeploymentOptions): Deployment {
  if (o.images.length === 0) throw new UserError("required flag(s) \"image\" not set");
  if (o.images.length > 1 && o.command.length > 0) throw new UserError("cannot specify multiple --image options and command");
  const labels = { app: o.name };
  const containers: Container[] = o.images.map((image) => ({
    ...(o.command.length ? { command: [...o.command] } : {}),
    image,
    name: containerNameForImage(image),
    resources: {},
  }));
  if (o.port !== undefined) containers[0].ports = [{ containerPort: o.port }];
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}), labels },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { ...labels } },
      strategy: {},
      template: { metadata: { labels: { ...labels } }, spec: { containers } },
    },
    status: {},
  };
}
