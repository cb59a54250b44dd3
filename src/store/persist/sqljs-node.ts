/**
 * Loading sql.js in Node with one addition: `Database.fileImage()`, a view of the database file as it
 * lies in sql.js's memory file system, with no copy. sql.js's own `export()` copies every page through
 * SQLite's backup API into a new array (about 3x the time of `cp` for a large file, and the file's
 * size again in memory); a save only needs the bytes that are already there.
 *
 * sql.js does not expose its file system, so the package's own `dist/sql-wasm.js` is read and, before
 * it is run, one method is added to its Database class. The names it needs (the path lookup, the
 * node's contents and used size) are found by patterns in that file; when they are not found (another
 * sql.js build) nothing is added and {@link hasFileImage} says so: callers then use `export()`.
 * Node only.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInThisContext } from "node:vm";
import type { SqlJsStatic } from "sql.js";
import { canGrowInPlace, growFileBytes } from "./growable-bytes";
import { fileImagePatch, growthPatch } from "../sqljs-patches";

/** The name under which the patched sql.js source finds {@link growFileBytes}. */
const GROW = "__pyde1GrowFile";

/**
 * V8's budget (roughly bytes of code executed per function) before a WebAssembly function compiled
 * by its baseline compiler (Liftoff) is recompiled by its optimizing one (TurboFan), raised from
 * 1.8 million to 2 billion for the "baseline" code. With the default, a short command has dozens of
 * sql.js functions recompiled on background threads, which compete with the main thread for a few
 * cores, and which the process waits for before it can exit (`info` sat idle ~80 ms at its end).
 * Measured on the 2-core test machine (BENCHMARKS.md): `info` 0.21–0.27 → 0.12–0.15 s, ~35 MB less
 * peak memory, an SQL-heavy 0.6 s read 10 % faster; bare inserts repeated warm 15–20 % slower.
 * Functions that run long enough still get TurboFan.
 */
export const WASM_TIERING_BUDGET = 2_000_000_000;

/**
 * How V8 compiles sql.js's WebAssembly, for the whole process (flags set before sql.js is compiled):
 * - "baseline": each function by the quick baseline compiler (Liftoff) on its first call, and by the
 *   optimizing one only after very long use ({@link WASM_TIERING_BUDGET}). For commands that end:
 *   they start fast (`record --from-capture` of 20 shots 0.3 s sooner than "optimized").
 * - "optimized": each function by the optimizing compiler (TurboFan) on its first call, and never by
 *   Liftoff (`--no-liftoff`). For the live recorder, a process that runs for days: start-up costs
 *   ~0.3 s more on the test machine, then every notification costs less from the first one on
 *   (cold ingest medians 57,700 → 67,300/s in pairs, BENCHMARKS.md). See also store/warm-up.ts.
 */
export type WasmCode = "baseline" | "optimized";

const WASM_FLAGS: Record<WasmCode, string[]> = {
  baseline: [`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`],
  optimized: ["--no-liftoff"],
};

let engine: Promise<SqlJsStatic> | null = null;
let patched = false;
let growsInPlace = false;

/**
 * The sql.js engine for Node, with `fileImage()` on its databases when this sql.js build allows it
 * (see {@link hasFileImage}). Loaded once per process: the first call's `code` decides how it is
 * compiled ({@link WasmCode}); later calls get the same engine whatever they ask.
 */
export function loadNodeSqlJs(code: WasmCode = "baseline"): Promise<SqlJsStatic> {
  if (engine) return engine;
  for (const flag of WASM_FLAGS[code]) setFlagsFromString(flag);
  const require = createRequire(import.meta.url);
  const file = require.resolve("sql.js/dist/sql-wasm.js");
  const source = readFileSync(file, "utf8");
  const withImage = fileImagePatch(source);
  patched = withImage !== null;
  if (!withImage) {
    engine = holdEventLoop((require("sql.js") as (config?: object) => Promise<SqlJsStatic>)());
    return engine;
  }
  const withGrowth = canGrowInPlace() ? growthPatch(withImage, GROW) : null;
  growsInPlace = withGrowth !== null;
  const run = runInThisContext(`(function (exports, require, module, __filename, __dirname, ${GROW}) {${withGrowth ?? withImage}\n})`, {
    filename: file,
  }) as (e: object, r: NodeJS.Require, m: { exports: unknown }, f: string, d: string, g: typeof growFileBytes) => void;
  const mod: { exports: unknown } = { exports: {} };
  run(mod.exports as object, createRequire(file), mod, file, dirname(file), growFileBytes);
  engine = holdEventLoop((mod.exports as (config?: object) => Promise<SqlJsStatic>)());
  return engine;
}

/**
 * Keeps Node's event loop alive (a timer) until `compiling` settles. sql.js compiles its
 * WebAssembly on V8's background threads, which no event-loop handle stands for: a command that
 * awaits it with nothing else pending lets the loop run empty, and Node then waits for all of V8's
 * background work and runs the compile's continuation (the rest of the command) inside that wait.
 * The first time the command yields after that (e.g. a pause every 5,000 events of a capture), Node
 * waits again for everything V8 started meanwhile, optimizing compiles and GC marking: 50–110 ms
 * idle in `record --from-capture`. With the loop held, the continuation runs from the loop itself.
 */
function holdEventLoop<T>(compiling: Promise<T>): Promise<T> {
  const hold = setInterval(() => {}, 60_000);
  return compiling.finally(() => clearInterval(hold));
}

/** True when the engine from {@link loadNodeSqlJs} gives databases a `fileImage()`. */
export function hasFileImage(): boolean {
  return patched;
}

/**
 * True when the engine from {@link loadNodeSqlJs} grows its database files in place
 * ({@link growFileBytes}) instead of copying them into a larger buffer.
 */
export function growsFilesInPlace(): boolean {
  return growsInPlace;
}
