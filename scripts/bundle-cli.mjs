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

/**
 * dockerode loads gRPC, proto-loader and protobufjs (for BuildKit sessions) and docker-modem loads
 * ssh2 (for ssh:// engines) when they are first required, which costs `kctl server` a few hundred
 * milliseconds of start-up (a CPU profile: protobufjs alone ~170 ms on a loaded machine) for
 * features kctl never uses. Both are reached through one function-valued module
 * (`./session`, `./ssh`): this plugin puts a stand-in there that requires the real module on the
 * first call, so nothing changes for a caller but when the code loads.
 */
const lazyFunctionModules = {
  name: "lazy-function-modules",
  setup(b) {
    const lazy = [
      { importer: /node_modules\/dockerode\/lib\/docker\.js$/, spec: "./session" },
      { importer: /node_modules\/docker-modem\/lib\/modem\.js$/, spec: "./ssh" },
    ];
    b.onResolve({ filter: /^\.\/(session|ssh)$/ }, (args) => {
      if (!lazy.some((l) => l.spec === args.path && l.importer.test(args.importer))) return undefined;
      return { path: path.join(args.resolveDir, `${args.path}.js`), namespace: "lazy-function" };
    });
    b.onLoad({ filter: /.*/, namespace: "lazy-function" }, (args) => ({
      contents: `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments); };`,
      resolveDir: path.dirname(args.path),
      loader: "js",
    }));
  },
};

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
  // Never loaded by a running kctl, so kept out of the bundle, whose chunks are compiled whole at
  // every start: light-my-request is fastify's inject() (tests), and fastify's default schema
  // compilers (Ajv, fast-json-stringify) are replaced by lib/fastify-schemaless.ts. ~650 KB.
  external: [
    "better-sqlite3", "cpu-features", "ssh2", "etcd3", "@grpc/grpc-js", "@grpc/proto-loader", "protobufjs",
    "light-my-request", "@fastify/ajv-compiler", "@fastify/fast-json-stringify-compiler",
  ],
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
  plugins: [lazyFunctionModules],
  logLevel: "warning",
  legalComments: "none",
});
