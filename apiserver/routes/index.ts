/** Every route module, in registration order. Adding a module (pod log/exec proxy) is one line. */
import type { RouteModule } from "../context.js";
import { discoveryRoutes } from "./discovery.js";
import { metricsRoutes } from "./metrics-api.js";
import { healthRoutes } from "./health.js";
import { podProxyRoutes } from "./pod-proxy.js";
import { portForwardRoutes } from "./port-forward.js";
import { resourceRoutes } from "./resources.js";
import { securityRoutes } from "../security/routes.js";
import { serverBootstrapRoutes } from "../security/server-bootstrap.js";
import { openApiRoutes } from "../openapi/routes.js";
import { uiRoutes } from "./ui.js";

export const ROUTE_MODULES: RouteModule[] = [healthRoutes, discoveryRoutes, resourceRoutes, podProxyRoutes, portForwardRoutes, securityRoutes, serverBootstrapRoutes, openApiRoutes, metricsRoutes, uiRoutes];
