/**
 * Writes a deterministic synthetic pyDE1 capture (NDJSON) for benchmarks and long tests.
 * Usage: node scripts/run-ts.mjs scripts/generate-capture.ts OUT.ndjson [--shots N] [--seed S]
 */
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { syntheticCapture } from "./bench/synthetic-capture";

const { values, positionals } = parseArgs({ options: { shots: { type: "string" }, seed: { type: "string" } }, allowPositionals: true });
const out = positionals[0];
if (!out) {
  console.error("usage: generate-capture OUT.ndjson [--shots N] [--seed S]");
  process.exit(2);
}
const stream = createWriteStream(out);
let n = 0;
for (const line of syntheticCapture({ shots: Number(values.shots ?? 20), seed: Number(values.seed ?? 1) })) {
  if (!stream.write(`${line}\n`)) await new Promise<void>((r) => stream.once("drain", () => r()));
  n++;
}
stream.end(() => console.error(`wrote ${n} events to ${out}`));
