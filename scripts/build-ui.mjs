#!/usr/bin/env node
// Bundle the web view (ui/) into dist/ui/: one minified app.js (preact and the shared lib/ code
// included, nothing fetched from a CDN), the watch worker's watch-worker.js (a classic script:
// `new Worker("watch-worker.js")`), plus index.html and style.css copied as they are.
// Run by `npm run build`/`prepare`/`pretest` after the type checks; `--watch` rebuilds on change.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "dist", "ui");
fs.mkdirSync(out, { recursive: true });
for (const f of ["index.html", "style.css"]) fs.copyFileSync(path.join(root, "ui", f), path.join(out, f));

const common = {
  bundle: true,
  // KCTL_UI_MINIFY=0 keeps names readable (CPU profiles of bench/ui.ts).
  minify: process.env.KCTL_UI_MINIFY !== "0",
  sourcemap: true,
  format: "esm",
  target: ["es2022"],
  jsx: "automatic",
  jsxImportSource: "preact",
  tsconfig: path.join(root, "ui", "tsconfig.json"),
  logLevel: "warning",
  legalComments: "linked",
};
const builds = [
  { ...common, entryPoints: [path.join(root, "ui", "main.tsx")], outfile: path.join(out, "app.js") },
  { ...common, entryPoints: [path.join(root, "ui", "watch-worker.ts")], outfile: path.join(out, "watch-worker.js"), format: "iife" },
];
if (process.argv.includes("--watch")) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
