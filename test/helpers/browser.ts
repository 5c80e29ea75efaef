/**
 * Debian's Chromium (scripts/chromium.sh installs it), headless, driven by playwright-core: a
 * fresh profile per launch, no network beyond the page's own server (no sync, no component
 * updates, no QUIC), screenshots under test-output/<dir>/ for a reviewer to look at.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * A launched browser with its own profile directory (removed by close()). Each page has its own
 * sessionStorage, so each new page is a fresh login.
 */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launch headless Chromium; fails naming the install script when it is missing (never skips). */
export async function launchChromium(): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/chromium.sh (the web view's tests drive Debian's Chromium)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-chromium-"));
  // The profile directory is playwright's userDataDir (it passes --user-data-dir itself).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
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
    },
  };
}

/** test-output/<name>/ at the repository root (gitignored), created empty. */
export function outputDir(name: string): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const dir = path.join(root, "test-output", name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Save a full-page screenshot as <dir>/<step>.png. */
export async function screenshot(page: Page, dir: string, step: string): Promise<string> {
  const file = path.join(dir, `${step}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
