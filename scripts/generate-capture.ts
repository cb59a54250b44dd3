/**
 * Writes a deterministic synthetic pyDE1 capture (NDJSON) for benchmarks and long tests.
 * Usage: node scripts/run-ts.mjs scripts/generate-capture.ts OUT.ndjson [--shots N] [--seed S] [--flushes]
 */
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { syntheticCapture } from "./bench/synthetic-capture";

const USAGE = `Usage: node scripts/run-ts.mjs scripts/generate-capture.ts OUT.ndjson [--shots N] [--seed S] [--flushes]

Writes a deterministic synthetic pyDE1 capture (the fixtures' NDJSON format) to OUT.ndjson: idle
time with water-level and scale updates, then N espresso sequences (30-90 s of flow, ~5 shot
samples/s, ~10 scale updates/s, pre-roll) and the HTTP answers pyDE1 gives at sequence start.
The same N and S always give the same bytes. Record it with
  node dist/cli.js record --db FILE --from-capture OUT.ndjson

Options:
  --shots N     espresso sequences (default 20: ~28,600 events, ~16 MB)
  --seed S      the generator's seed, an integer (default 1)
  --flushes     after 70 % of the shots a short group-head flush, as real histories have
  -h, --help    show this help`;

/** A whole number from the command line, or exit 2 saying which option was wrong. */
function wholeNumber(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    console.error(`generate-capture: --${name} must be a whole number >= ${min}, not '${text}'. See --help.`);
    process.exit(2);
  }
  return n;
}

let parsed;
try {
  parsed = parseArgs({
    options: { shots: { type: "string" }, seed: { type: "string" }, flushes: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
} catch (e) {
  console.error(`generate-capture: ${(e as Error).message}. See --help.`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length !== 1) {
  console.error(`generate-capture: give one output file (OUT.ndjson), not ${positionals.length}. See --help.`);
  process.exit(2);
}
const out = positionals[0];
const shots = wholeNumber("shots", values.shots, 20, 1);
const seed = wholeNumber("seed", values.seed, 1, 0);
const stream = createWriteStream(out);
stream.on("error", (e) => {
  console.error(`generate-capture: cannot write ${out}: ${e.message}. Check the folder exists and is writable.`);
  process.exit(1);
});
let n = 0;
for (const line of syntheticCapture({ shots, seed, flushes: values.flushes === true })) {
  if (!stream.write(`${line}\n`)) await new Promise<void>((r) => stream.once("drain", () => r()));
  n++;
}
stream.end(() => console.error(`wrote ${n} events to ${out}`));
