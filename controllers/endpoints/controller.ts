/**
 * The Endpoints controller: keeps an Endpoints object per Service with a selector, listing the
 * ready and not-ready pods behind it. Pod changes are routed at once to every Service in the
 * namespace whose selector matches the pod's old or new labels (no batching delay).
 */
import { isAlreadyExists, isNotFound } from "../../lib/errors.js";
import { selectorFromSet } from "../../lib/selector.js";
import type { Endpoints, Pod, Service } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { BY_NAMESPACE } from "../../lib/shared-informers.js";
import { Controller } from "../runner.js";
import { objectKey } from "../../lib/informer.js";
import { hasSelector, planEndpoints } from "./plan.js";

export const ENDPOINTS_CONTROLLER = "endpoint-controller";

/** Build the Endpoints controller. */
export function newEndpointsController(ctx: ControllerContext): Controller {
  const svcInformer = ctx.informers.get<Service>("Service");
  const podInformer = ctx.informers.get<Pod>("Pod");
  const epInformer = ctx.informers.get<Endpoints>("Endpoints");
  const controller = new Controller({ name: ENDPOINTS_CONTROLLER, logger: ctx.logger, workers: ctx.workers, reconcile: (k) => reconcile(k) });

  const servicesFor = (pod: Pod): void => {
    for (const svc of svcInformer.byIndex(BY_NAMESPACE, pod.metadata.namespace ?? "")) {
      if (hasSelector(svc) && selectorFromSet(svc.spec.selector).matches(pod.metadata.labels)) controller.enqueue(objectKey(svc));
    }
  };
  svcInformer.addEventHandler({
    onAdd: (s) => controller.enqueue(objectKey(s)),
    onUpdate: (_o, s) => controller.enqueue(objectKey(s)),
    onDelete: (s) => controller.enqueue(objectKey(s)),
  });
  podInformer.addEventHandler({
    onAdd: servicesFor,
    onUpdate: (old, cur) => {
      if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
      servicesFor(cur);
      servicesFor(old);
    },
    onDelete: servicesFor,
  });
  // Someone else edited or deleted our Endpoints: put them back.
  epInformer.addEventHandler({
    onUpdate: (_o, ep) => {
      if (svcInformer.get(objectKey(ep))) controller.enqueue(objectKey(ep));
    },
    onDelete: (ep) => {
      if (svcInformer.get(objectKey(ep))) controller.enqueue(objectKey(ep));
    },
  });

  async function reconcile(key: string): Promise<void> {
    const svc = svcInformer.get(key);
    const current = epInformer.get(key);
    const ns = key.slice(0, key.indexOf("/"));
    const pods = svc ? podInformer.byIndex(BY_NAMESPACE, ns) : [];
    const action = planEndpoints(svc, pods, current);
    switch (action.type) {
      case "none":
        return;
      case "delete":
        try {
          await ctx.client.delete("Endpoints", action.name, { namespace: ns });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return;
      case "update":
        await ctx.client.update<Endpoints>(action.endpoints);
        return;
      case "create":
        try {
          await ctx.client.create<Endpoints>(action.endpoints, ns);
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          // Our cache is behind: update the live object instead.
          const live = await ctx.client.get<Endpoints>("Endpoints", action.endpoints.metadata.name ?? "", ns);
          await ctx.client.update<Endpoints>({ ...live, metadata: { ...live.metadata, labels: action.endpoints.metadata.labels }, subsets: action.endpoints.subsets });
        }
    }
  }

  return controller;
}
