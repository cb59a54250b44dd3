/**
 * Shared pieces of the benchmarks: where bench data lives, the cached synthetic capture, timing and
 * statistics helpers. Node only.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { syntheticCapture } from "./synthetic-capture";

/** The repository root (the bundled script lives in node_modules/.cache/…, so look for package.json). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || dir.includes("node_modules")) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
})();

/** Where generated databases and captures are cached (gitignored). */
export const DATA = join(ROOT, "bench-data");

/** Creates a folder (and its parents) and returns it. */
export function folder(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/** The path of the cached `shots`-shot synthetic capture with `seed`, written on first use. */
export function captureFile(shots: number, seed = 1): string {
  const path = join(folder(DATA), `capture-${shots}shots-seed${seed}.ndjson`);
  if (!existsSync(path)) {
    const lines = [...syntheticCapture({ shots, seed })];
    writeFileSync(`${path}.tmp`, lines.join("\n") + "\n");
    renameSync(`${path}.tmp`, path);
  }
  return path;
}

/** The median of some numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0..1) of some numbers, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Spread of repeated runs, as (max − min) / median, in percent. */
export function spread(xs: readonly number[]): number {
  return ((Math.max(...xs) - Math.min(...xs)) / median(xs)) * 100;
}

/** Rounds to `digits` significant digits (for tables). */
export function sig(x: number, digits = 3): number {
  return Number(x.toPrecision(digits));
}

/** Milliseconds elapsed since `t0` (performance clock). */
export const since = (t0: number): number => performance.now() - t0;
