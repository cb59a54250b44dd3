/**
 * Child process of warm-up.test.ts, run through scripts/run-ts.mjs (arguments: `warm` or `cold`, a fixture recording's folder):
 * opens a real database on the live recorder's engine (optimized
 * code), warms the engine up when asked (`warm`), then turns on V8's trace of each WebAssembly
 * function it compiles and records a capture into the database. Stdout: one trace line per
 * function compiled while recording, then `rows N`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { loadNodeSqlJs } from "../../src/store/persist/sqljs-node";
import { warmUp } from "../../src/store/warm-up";
import { Store } from "../../src/store/store";
import { Recorder } from "../../src/recorder/recorder";
import { readCapture } from "../../src/ingest/capture";

const [mode, recording] = process.argv.slice(2);
const SQL = await loadNodeSqlJs("optimized");
const store = Store.open(SQL, readFileSync(join(recording, "expected.sqlite3")));
if (mode === "warm") warmUp(SQL);
setFlagsFromString("--trace-wasm-compilation-times");
const recorder = new Recorder(store);
for (const event of readCapture(readFileSync(join(recording, "capture.ndjson")))) recorder.handle(event);
recorder.close();
process.stdout.write(`rows ${recorder.stats.rows}\n`);
store.close();
