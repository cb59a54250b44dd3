/**
 * Loading the SQLite WebAssembly engine (sql.js) once per process or page.
 */
import initSqlJs from "sql.js";
import type { SqlJsStatic } from "sql.js";

let engine: Promise<SqlJsStatic> | null = null;

/**
 * Returns the sql.js engine, loading it on first use. In a browser pass `wasmUrl` (where
 * `sql-wasm.wasm` is served); in Node the package's own file is found.
 */
export function loadSqlJs(wasmUrl?: string): Promise<SqlJsStatic> {
  if (!engine) {
    engine = initSqlJs(wasmUrl ? { locateFile: () => wasmUrl } : undefined);
  }
  return engine;
}
