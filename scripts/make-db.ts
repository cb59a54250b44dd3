/**
 * Generates the benchmark databases deterministically (see scripts/bench/databases.ts) and caches
 * them in bench-data/. Usage: node scripts/run-ts.mjs scripts/make-db.ts [--sizes 10,100,500]
 */
import { parseArgs } from "node:util";
import { ensureDatabases } from "./bench/databases";

const { values } = parseArgs({ options: { sizes: { type: "string" } } });
const sizes = (values.sizes ?? "10,100,500").split(",").map(Number);
for (const db of await ensureDatabases(sizes, (line) => console.error(line))) {
  console.log(`${db.path}: ${(db.bytes / 1e6).toFixed(1)} MB, ${db.sequences} sequences, ${(db.perSequence / 1e3).toFixed(0)} KB a sequence`);
}
