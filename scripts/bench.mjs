// `npm run bench`: builds the CLI, installs the benchmark-only comparison dependency
// (better-sqlite3 12, into node_modules/.cache/bench-deps, never into package.json), then runs
// scripts/bench/main.ts through scripts/run-ts.mjs. Arguments are passed on (--quick, --only …).
// If better-sqlite3 cannot be installed, its figures are reported as unavailable.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const deps = join(root, "node_modules/.cache/bench-deps");
const args = process.argv.slice(2);

if (args.includes("--help") || args.includes("-h")) {
  console.log(`Usage: npm run bench [-- OPTIONS]   (node scripts/bench.mjs [OPTIONS])

Runs the benchmarks of BENCHMARKS.md side by side with their baselines (the Python pyDE1 pattern,
better-sqlite3, cp + sync, fs.readFile) and prints a Markdown table of figures and ratios; raw
results go to bench-data/results.json. The first run generates the 10/100/500 MB databases into
bench-data/ (~4 min, cached); a whole run then takes ~12 min. Do not run it beside a test suite:
both share the CPU.

Options:
  --quick          one run of each, the 10 MB database only, short durability runs
  --only LIST      sections, comma-separated: ingest,slow-fsync,record,save,open,durability,slow-cpu,legacy,viewer
  -h, --help       show this help`);
  process.exit(0);
}
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

const build = spawnSync(process.execPath, [join(root, "scripts/build.mjs")], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
if (build.status !== 0) console.error("bench: npm run build failed; the whole-process figures use whatever dist/ holds");

if (!existsSync(join(deps, "node_modules/better-sqlite3/build/Release/better_sqlite3.node"))) {
  console.error("bench: installing better-sqlite3@12 (benchmark only) into node_modules/.cache/bench-deps");
  mkdirSync(deps, { recursive: true });
  // npm 11.16+ asks for install scripts to be approved (npm 12 blocks them): better-sqlite3's fetches
  // or builds its native binary, so the folder's own package.json approves it
  const manifest = join(deps, "package.json");
  const pkg = existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")) : { private: true };
  writeFileSync(manifest, JSON.stringify({ ...pkg, allowScripts: { "better-sqlite3": true } }, null, 2) + "\n");
  const r = spawnSync(npm, ["install", "--prefix", deps, "--no-audit", "--no-fund", "--no-save", "better-sqlite3@12"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) console.error("bench: better-sqlite3 could not be installed; its figures will be reported as unavailable");
}

const r = spawnSync(process.execPath, [join(root, "scripts/run-ts.mjs"), join(root, "scripts/bench/main.ts"), "--deps", join(deps, "node_modules"), ...args], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
