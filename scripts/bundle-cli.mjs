#!/usr/bin/env node
// Bundle the compiled CLI (dist/cli/main.js, from tsc) into dist/bundle/ with esbuild, so that
// `kctl` starts by reading a few files instead of resolving and compiling ~900 modules: `kctl
// server` reaches a Ready node sooner and every CLI command answers sooner (bench/server-start.ts).
// Commands stay lazily loaded (each `await import()` becomes a chunk). bin/kctl runs the bundle
// when it is at least as new as dist/cli/main.js, else the plain tsc output.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// Chunks are content-hashed: without a clean folder every build would leave the last one's behind.
fs.rmSync(path.join(root, "dist/bundle"), { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, "dist/cli/main.js")],
  outdir: path.join(root, "dist/bundle"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Packages that read files beside their own code at run time (etcd3 and gRPC load .proto files)
  // stay in node_modules too.
  external: ["better-sqlite3", "cpu-features", "ssh2", "etcd3", "@grpc/grpc-js", "@grpc/proto-loader", "protobufjs"],
  // CommonJS dependencies inside an ES module bundle still call require() and read __dirname.
  banner: {
    js: [
      'import { createRequire as __kctlRequire } from "node:module";',
      'import { fileURLToPath as __kctlPath } from "node:url";',
      "const require = __kctlRequire(import.meta.url);",
      "const __filename = __kctlPath(import.meta.url);",
      'const __dirname = __kctlPath(new URL(".", import.meta.url));',
    ].join("\n"),
  },
  logLevel: "warning",
  legalComments: "none",
});
