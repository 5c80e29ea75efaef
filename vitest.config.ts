import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Docker engine, test images, local registry: set up (idempotently) before any test runs.
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // e2e tests share one Docker engine and the 2-core machine; files run in parallel up to this.
    maxWorkers: 2,
    pool: "forks",
    // The default output, then one plain `N passed, N failed` line (test/summary-reporter.ts).
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
