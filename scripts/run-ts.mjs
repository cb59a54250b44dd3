// Runs a TypeScript script from scripts/ (benchmarks, generators): bundles it with esbuild into
// a temporary .mjs beside node_modules (so packages resolve) and runs it with the given arguments.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run-ts.mjs SCRIPT.ts [ARGS...]");
  process.exit(2);
}
const outdir = join(root, "node_modules/.cache/pyde1-store-scripts");
mkdirSync(outdir, { recursive: true });
const outfile = join(outdir, basename(entry).replace(/\.ts$/, ".mjs"));
await build({
  entryPoints: [resolve(entry)],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  loader: { ".sql": "text" },
  logLevel: "warning",
});
const r = spawnSync(process.execPath, [...(process.env.NODE_SCRIPT_FLAGS?.split(" ").filter(Boolean) ?? []), outfile, ...args], { stdio: "inherit" });
process.exit(r.status ?? 1);
