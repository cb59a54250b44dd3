/**
 * Runs a TypeScript module of the tests in a child node of its own, bundled by esbuild as
 * scripts/run-ts.mjs bundles scripts: for what needs a process to itself (V8 flags, V8's own trace
 * on stdout).
 */
import { buildSync } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { ROOT } from "./paths";
import type { CliResult } from "./cli";

/** Bundles `entry` (a path) and runs it with `args` in a child node; waits for it. */
export function runBundled(entry: string, args: string[] = []): CliResult {
  const outdir = join(ROOT, "node_modules/.cache/pyde1-store-tests");
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, basename(entry).replace(/\.ts$/, ".mjs"));
  buildSync({ entryPoints: [entry], outfile, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", loader: { ".sql": "text" }, logLevel: "warning" });
  const r = spawnSync(process.execPath, [outfile, ...args], { encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
