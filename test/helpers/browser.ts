/**
 * The web view's browser tests: Chromium as bench/chromium.ts launches it, and screenshots under
 * test-output/<dir>/ (gitignored) for a reviewer to look at.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";

export { launchChromium, type LaunchedChromium as TestBrowser } from "../../bench/chromium.js";

/** test-output/<name>/ at the repository root, created empty. */
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
