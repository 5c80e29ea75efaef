/**
 * The built-in web view's static files under /ui/ (bundled into dist/ui by scripts/build-ui.mjs).
 * They are open (no token): the page holds no data; everything it shows comes from the normal API
 * with the user's bearer token, so the view sees exactly what that token may see.
 *
 *   GET /ui          → 308 /ui/ (the page's relative asset URLs need the slash)
 *   GET /ui/         → index.html
 *   GET /ui/app.js, /ui/watch-worker.js, /ui/style.css, /ui/app.js.map, /ui/watch-worker.js.map
 *
 * The files are read once, when the app is built; a server built without them (no `npm run
 * build`) answers 404 with a Status saying how to build them.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../../lib/errors.js";
import { sendError } from "./reply.js";

/** The files of the web view and their types. */
const ASSETS: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.js.map": "application/json",
  "watch-worker.js": "text/javascript; charset=utf-8",
  "watch-worker.js.map": "application/json",
  "style.css": "text/css; charset=utf-8",
};

/** Paths served without a token (app.ts's open-path check reads them). */
export const UI_OPEN_PATHS = new Set(["/ui", ...Object.keys(ASSETS).map((f) => `/ui/${f}`)]);

/**
 * The page may talk only to this server and load only its own files: no CDN, no inline script,
 * and no other site may frame it.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** dist/ui of this package, from here (apiserver/routes in the sources, dist/apiserver/routes once built). */
function uiDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, "package.json"))) return path.join(dir, "dist", "ui");
    dir = path.dirname(dir);
  }
  return path.join(dir, "dist", "ui");
}

function loadAssets(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(ASSETS)) {
    try {
      files.set(name, fs.readFileSync(path.join(dir, name)));
    } catch {
      // absent: that file answers 404 (the source map is optional)
    }
  }
  return files;
}

/** The route module (routes/index.ts registers it). */
export function uiRoutes(app: FastifyInstance): void {
  serveUi(app, uiDir());
}

/** Serve the web view's files from `dir`. */
export function serveUi(app: FastifyInstance, dir: string): void {
  const files = loadAssets(dir);
  const serve = (name: string) => (_req: FastifyRequest, reply: FastifyReply) => {
    const body = files.get(name);
    if (!body) return sendError(reply, new ApiError("NotFound", `the web view is not built (no ${path.join(dir, name)}): run npm run build`));
    return reply
      .code(200)
      .header("content-type", ASSETS[name]!)
      .header("cache-control", "no-cache")
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .header("content-security-policy", CSP)
      .send(body);
  };
  const index = serve("index.html");
  app.get("/ui", (req, reply) => {
    // fastify routes /ui and /ui/ alike (ignoreTrailingSlash); only /ui/ resolves "app.js" right.
    const raw = req.url.split("?")[0]!;
    if (!raw.endsWith("/")) return reply.code(308).header("location", "/ui/").send();
    return index(req, reply);
  });
  for (const name of Object.keys(ASSETS)) app.get(`/ui/${name}`, serve(name));
}
