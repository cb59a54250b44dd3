/**
 * A save runs a full garbage collection only when it left a file-sized buffer behind. An export
 * (an engine without `fileImage`) copies the whole file, and V8 frees that copy only at a GC, so
 * the save collects it at once (bounded memory). A save from the file image of Node's patched
 * engine, whose files grow in place, allocates nothing file-sized: a forced full GC there would
 * only hold up receipt on the main thread (5x longer on a CPU a fifth as fast: BENCHMARKS.md,
 * "Durability on a slower CPU"). Forced collections are seen through V8's own GC entries.
 */
import { expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PerformanceObserver, constants, type PerformanceEntry } from "node:perf_hooks";
import type { SqlJsStatic } from "sql.js";
import { DurableStore } from "../../src/ingest/durable-store";
import { loadNodeSqlJs, hasFileImage, growsFilesInPlace } from "../../src/store/persist/sqljs-node";
import { loadSqlJs } from "../../src/store/sqljs";
import { sqlite3 } from "../support/cli";
import { scratch } from "../support/paths";

const dir = scratch("pyde1-store-save-gc-");

/** Saves a changed database on `SQL` in the background; returns how many forced full GCs ran meanwhile, and the file. */
async function forcedCollectionsInSave(SQL: SqlJsStatic, name: string): Promise<{ forced: number; file: string }> {
  const file = join(dir, `${name}.sqlite3`);
  const ds = await DurableStore.open(SQL, file, { log: () => {} });
  try {
    for (let i = 0; i < 500; i++) ds.ps.store.hkv.set("save-gc", `key ${i}`, "v".repeat(200)); // ~100 KB to save
    const entries: PerformanceEntry[] = [];
    const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
    observer.observe({ entryTypes: ["gc"] });
    try {
      expect(await ds.saveInBackground("test")).toBe(true);
      await new Promise((r) => setTimeout(r, 100)); // GC entries are delivered after the fact
    } finally {
      observer.disconnect();
    }
    const forced = entries.filter((e) => {
      const detail = (e as PerformanceEntry & { detail?: { kind: number; flags: number } }).detail;
      return detail !== undefined && detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR && (detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0;
    }).length;
    return { forced, file };
  } finally {
    await ds.close();
  }
}

it("a save from the engine's file image collects nothing; a save from an export collects its copy at once", async () => {
  const patched = await loadNodeSqlJs();
  expect(hasFileImage() && growsFilesInPlace(), "Node's sql.js offers a file image and grows files in place").toBe(true);
  const image = await forcedCollectionsInSave(patched, "image");
  const exported = await forcedCollectionsInSave(await loadSqlJs(), "export");
  expect(image.forced, "forced full GCs during a save from the file image").toBe(0);
  expect(exported.forced, "forced full GCs during a save from an export").toBeGreaterThanOrEqual(1);
  // both saves wrote the file: native SQLite reads every row back
  for (const { file } of [image, exported]) {
    expect(readFileSync(file).subarray(0, 16).toString("latin1")).toBe("SQLite format 3\0");
    expect(sqlite3(file, "SELECT count(*) FROM persist_hkv WHERE header = 'save-gc'")).toBe("500");
  }
});
