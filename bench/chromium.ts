/**
 * Debian's Chromium (scripts/chromium.sh installs it), headless, driven by playwright-core, for
 * bench/ui.ts and the web view's browser tests: a fresh profile per launch, nothing fetched from
 * anywhere (no sync, no component updates, no background networking, no QUIC).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * A launched browser with its own profile directory (removed by close()). Each page has its own
 * sessionStorage, so each new page is a fresh login.
 */
export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launch headless Chromium; fails naming the install script when it is missing. `cpus` (a
 * taskset list such as "1") keeps the browser and every process it starts on those CPUs.
 */
export async function launchChromium(opts: { cpus?: string } = {}): Promise<LaunchedChromium> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/chromium.sh (the web view's tests and bench drive Debian's Chromium)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-chromium-"));
  // playwright starts the executable it is given: a wrapper pins it (children inherit).
  const executablePath = opts.cpus ? path.join(profile, "..", `${path.basename(profile)}-taskset.sh`) : CHROMIUM;
  if (opts.cpus) fs.writeFileSync(executablePath, `#!/bin/sh\nexec taskset -c ${opts.cpus} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  // The profile directory is playwright's userDataDir (it passes --user-data-dir itself).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    ignoreHTTPSErrors: true,
    viewport: { width: 1440, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
      if (opts.cpus) fs.rmSync(executablePath, { force: true });
    },
  };
}
