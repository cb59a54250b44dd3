/**
 * What the viewer's end-to-end tests share: a fresh build of dist/ (built only when a source is
 * newer than it), Debian's chromium driven by playwright-core, and pixel checks on chart canvases.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { ROOT } from "../support/paths";

/** The built viewer. */
export const VIEWER_DIR = join(ROOT, "dist/viewer");
/** Where screenshots go (gitignored). */
export const ARTIFACTS = join(ROOT, "test-artifacts");

/** The newest modification time of the files under a folder. */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

/** What the bundles the tests use are made of (the viewer bundle, and `serve` in dist/cli-main.js). */
const BUNDLE_SOURCES = ["src/viewer", "src/store", "src/export", "src/catalog.ts", "src/server", "src/cli/commands/serve.ts", "scripts/build.mjs"];

/** True when dist/ is newer than every source the tests' bundles are made of. */
function fresh(): boolean {
  const built = Math.min(newest(join(VIEWER_DIR, "main.js")), newest(join(VIEWER_DIR, "worker.js")), newest(join(ROOT, "dist/cli-main.js")));
  return built > 0 && built >= Math.max(...BUNDLE_SOURCES.map((p) => newest(join(ROOT, p))));
}

/**
 * Runs the build unless dist/ is fresh. Test files run in parallel: a lock folder lets one build
 * while the others wait and then find dist/ fresh.
 */
export function ensureBuilt(): void {
  if (fresh()) return;
  const lock = join(ROOT, "node_modules", ".pyde1-store-build-lock");
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!fresh()) execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { cwd: ROOT, stdio: "inherit" });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Starts headless chromium (Debian's, no downloads). */
export function launchBrowser(): Promise<Browser> {
  if (!existsSync("/usr/bin/chromium")) throw new Error("the viewer tests need Debian's chromium: apt-get install -y chromium");
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Saves a screenshot as test-artifacts/NAME.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** How many pixels of a canvas under `selector` have (about) this colour (`#rrggbb`). */
export function pixelsOfColor(page: Page, selector: string, color: string): Promise<number> {
  return page.evaluate(
    ([sel, hex]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(sel);
      if (!canvas || canvas.width === 0) return 0;
      const ctx = canvas.getContext("2d");
      if (!ctx) return 0;
      const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] < 200) continue;
        if (Math.abs(data[i] - want[0]) + Math.abs(data[i + 1] - want[1]) + Math.abs(data[i + 2] - want[2]) < 40) n++;
      }
      return n;
    },
    [selector, color] as const,
  );
}

/** Waits until the list shows `count` sequences (rows carrying data-sequence-id). */
export async function waitForRows(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll("#sequence-list li[data-sequence-id]").length === n, count, { timeout: 30_000 });
}

/** A page with the dialogs it opened (dismissed) and the errors it threw, for asserting there were none. */
export interface WatchedPage {
  page: Page;
  dialogs: string[];
  errors: string[];
}

/** Starts recording a page's dialogs (dismissing each) and uncaught errors. */
export function watched(page: Page): WatchedPage {
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, dialogs, errors };
}
