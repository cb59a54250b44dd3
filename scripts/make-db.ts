/**
 * Generates the benchmark databases deterministically (see scripts/bench/databases.ts) and caches
 * them in bench-data/. Usage: node scripts/run-ts.mjs scripts/make-db.ts [--sizes 10,100,500]
 */
import { parseArgs } from "node:util";
import { ensureDatabases } from "./bench/databases";

const USAGE = `Usage: node scripts/run-ts.mjs scripts/make-db.ts [--sizes 10,100,500]

Generates the benchmark databases (synthetic 5-shot captures, seeds 1, 2, 3 ..., recorded into one
database until each size in MB is passed) into bench-data/db-<SIZE>MB.sqlite3, deterministically,
and keeps them there: a size already made is not made again. The first run of all three takes
~4 min; npm run bench calls this itself.

Options:
  --sizes LIST   sizes in MB, comma-separated (default 10,100,500)
  -h, --help     show this help`;

let parsed;
try {
  parsed = parseArgs({ options: { sizes: { type: "string" }, help: { type: "boolean", short: "h" } } });
} catch (e) {
  console.error(`make-db: ${(e as Error).message}. See --help.`);
  process.exit(2);
}
if (parsed.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const list = parsed.values.sizes ?? "10,100,500";
const sizes = list.split(",").map(Number);
if (sizes.some((s) => !Number.isInteger(s) || s < 1)) {
  console.error(`make-db: --sizes must be whole numbers of MB >= 1, comma-separated, not '${list}'. See --help.`);
  process.exit(2);
}
for (const db of await ensureDatabases(sizes, (line) => console.error(line))) {
  console.log(`${db.path}: ${(db.bytes / 1e6).toFixed(1)} MB, ${db.sequences} sequences, ${(db.perSequence / 1e3).toFixed(0)} KB a sequence`);
}
