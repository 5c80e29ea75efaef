#!/usr/bin/env node
// Bundle the web view (ui/) into dist/ui/: one minified app.js (preact and the shared lib/ code
// included, nothing fetched from a CDN), plus index.html and style.css copied as they are.
// Run by `npm run build`/`prepare`/`pretest` after the type checks; `--watch` rebuilds on change.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "dist", "ui");
fs.mkdirSync(out, { recursive: true });
for (const f of ["index.html", "style.css"]) fs.copyFileSync(path.join(root, "ui", f), path.join(out, f));

const options = {
  entryPoints: [path.join(root, "ui", "main.tsx")],
  outfile: path.join(out, "app.js"),
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
if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
