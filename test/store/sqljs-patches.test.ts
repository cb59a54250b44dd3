/**
 * The additions to sql.js's builds (src/store/sqljs-patches.ts): found in the installed package's
 * Node and browser builds, line breaks and all, refused for an unknown build, and, for the viewer
 * worker's engine, a database that takes the bytes it is opened from as its file. The browser build
 * is run here in Node with the package's own WebAssembly, the way the worker's bundle runs it.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SqlJsStatic } from "sql.js";
import { adoptBytesPatch, fileImageOf, fileImagePatch, growthPatch, viewerEnginePatch } from "../../src/store/sqljs-patches";
import { ROOT, scratch } from "../support/paths";
import { sqlite3 } from "../support/cli";

const DIST = join(ROOT, "node_modules/sql.js/dist");
const NODE_BUILD = readFileSync(join(DIST, "sql-wasm.js"), "utf8");
const BROWSER_BUILD = readFileSync(join(DIST, "sql-wasm-browser.js"), "utf8");
const UNKNOWN = "var initSqlJs = function () { return Promise.resolve({}); };";

/** The browser build with the viewer's additions, run as its bundle runs it. */
async function viewerEngine(): Promise<SqlJsStatic> {
  const source = viewerEnginePatch(BROWSER_BUILD);
  if (!source) throw new Error("the viewer's additions were not found in sql-wasm-browser.js");
  const mod: { exports: unknown } = { exports: {} };
  new Function("module", "exports", source)(mod, mod.exports);
  const init = mod.exports as (config: object) => Promise<SqlJsStatic>;
  return init({ wasmBinary: readFileSync(join(DIST, "sql-wasm.wasm")) });
}

/** A small database's bytes, made by the engine: a table `t` of `rows` numbered rows. */
function databaseBytes(SQL: SqlJsStatic, rows: number): Uint8Array {
  const maker = new SQL.Database();
  maker.exec("CREATE TABLE t (n INTEGER, s TEXT)");
  maker.exec(`WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${rows}) INSERT INTO t SELECT n, printf('row %d', n) FROM c`);
  const bytes = maker.export();
  maker.close();
  return bytes;
}

describe("sql.js's builds, patched", () => {
  it("finds every addition in the Node build and in the browser build, whose minified lines break inside the patterns", () => {
    expect(BROWSER_BUILD).toMatch(/read\(\w+,\n\w+,/); // the line break the patterns must allow
    for (const source of [NODE_BUILD, BROWSER_BUILD]) {
      expect(fileImagePatch(source)).toMatch(/\.prototype\.fileImage=function\(\)\{/);
      expect(growthPatch(source, "grow")).toContain("=grow(");
      const adopted = adoptBytesPatch(source)!;
      expect(adopted).not.toMatch(/\w+\(\w+,\w+,0,\w+\.length,0\),\w+\(\w+\),/); // createDataFile no longer copies
    }
    for (const patch of [fileImagePatch, adoptBytesPatch, viewerEnginePatch, (s: string) => growthPatch(s, "grow")]) expect(patch(UNKNOWN)).toBeNull();
  });

  it("the viewer's engine opens a database on the very bytes it is given, and its writes go into them", async () => {
    const SQL = await viewerEngine();
    const bytes = databaseBytes(SQL, 300);
    const db = new SQL.Database(bytes);
    expect(fileImageOf(db)!.buffer).toBe(bytes.buffer); // no copy of the file
    expect(db.exec("SELECT count(*), sum(n) FROM t")[0].values).toEqual([[300, 45150]]);
    const counter = () => new DataView(bytes.buffer).getUint32(24); // the header's change counter
    const before = counter();
    db.run("UPDATE t SET s = 'changed' WHERE n = 7"); // inside the file's length: written into `bytes`
    expect(counter()).toBe(before + 1);
    // written out as it lies, the file is a sound database that the sqlite3 CLI reads
    const file = join(scratch("pyde1-sqljs-patches-"), "adopted.sqlite3");
    writeFileSync(file, fileImageOf(db)!);
    expect(sqlite3(file, "PRAGMA integrity_check")).toBe("ok");
    expect(sqlite3(file, "SELECT s FROM t WHERE n = 7")).toBe("changed");
    db.close();
  });

  it("the Node engine still copies what it opens (callers there reuse their bytes)", async () => {
    const { loadNodeSqlJs } = await import("../../src/store/persist/sqljs-node");
    const SQL = await loadNodeSqlJs();
    const bytes = databaseBytes(SQL, 10);
    const kept = bytes.slice();
    const db = new SQL.Database(bytes);
    db.run("UPDATE t SET s = 'changed'");
    expect(fileImageOf(db)!.buffer).not.toBe(bytes.buffer);
    expect(bytes).toEqual(kept);
    db.close();
  });
});
