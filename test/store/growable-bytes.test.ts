import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canGrowInPlace, growableBytes, growFileBytes } from "../../src/store/persist/growable-bytes";
import { growsFilesInPlace, loadNodeSqlJs } from "../../src/store/persist/sqljs-node";
import { growthPatch } from "../../src/store/sqljs-patches";
import { FilePersistence } from "../../src/store/persist/file";
import { PersistentStore } from "../../src/store/persistent-store";
import { FIXTURES, ROOT, scratch, SHOTS_RECORDING } from "../support/paths";
import { copyDatabase } from "../support/copy-db";
import { sqlite3 } from "../support/cli";

type Resizable = ArrayBuffer & { resizable: boolean; maxByteLength: number };

describe("growable bytes (the database file grows in place, never copied)", () => {
  it("grows a resizable buffer in place, keeping its bytes", () => {
    expect(canGrowInPlace()).toBe(true); // Node 20 has resizable ArrayBuffers
    const bytes = growableBytes(1000);
    expect((bytes.buffer as Resizable).resizable).toBe(true);
    bytes.set([1, 2, 3], 997);
    const grown = growFileBytes(bytes, 1000, 5000);
    expect(grown.buffer).toBe(bytes.buffer);
    expect(grown.length).toBeGreaterThanOrEqual(5000);
    expect([...grown.subarray(997, 1000)]).toEqual([1, 2, 3]);
    // a large file grows by an eighth, not by doubling
    const big = growableBytes(8 << 20);
    expect(growFileBytes(big, 8 << 20, (8 << 20) + 1).length).toBe(9 << 20);
  });

  it("copies plain bytes once into a growable buffer; later growth is in place", () => {
    const plain = new Uint8Array([5, 6, 7, 8]);
    const first = growFileBytes(plain, 3, 10);
    expect(first.buffer).not.toBe(plain.buffer);
    expect([...first.subarray(0, 4)]).toEqual([5, 6, 7, 0]); // only the used bytes are kept
    expect((first.buffer as Resizable).resizable).toBe(true);
    const second = growFileBytes(first, 10, 100_000);
    expect(second.buffer).toBe(first.buffer);
    expect(growFileBytes(null, 0, 100).length).toBeGreaterThanOrEqual(256); // a new, empty file
  });

  it("finds sql.js's growth code in the installed build, and leaves an unknown build alone", async () => {
    await loadNodeSqlJs();
    expect(growsFilesInPlace()).toBe(true);
    const source = readFileSync(join(ROOT, "node_modules/sql.js/dist/sql-wasm.js"), "utf8");
    const patched = growthPatch(source, "__pyde1GrowFile")!;
    expect(patched).toContain("__pyde1GrowFile(");
    expect(patched).not.toContain("1.125");
    expect(growthPatch("var initSqlJs = function () {};", "__pyde1GrowFile")).toBeNull();
  });

  it("a loaded database grows inside the bytes it was read into: no copy of the file, and native sqlite3 reads it", async () => {
    const db = copyDatabase(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), scratch());
    const ps = await PersistentStore.open(await loadNodeSqlJs(), FilePersistence.open(db, { mode: "write" }));
    const loaded = ps.store.fileImage();
    expect((loaded.buffer as Resizable).resizable).toBe(true);
    ps.store.transaction(() => {
      for (let i = 0; i < 3000; i++) ps.store.hkv.set("grow", `k${i}`, "y".repeat(400));
    });
    const grown = ps.store.fileImage();
    expect(grown.length).toBeGreaterThan(loaded.length + 1_000_000);
    expect(grown.buffer === loaded.buffer).toBe(true); // sql.js's own growth would have copied it into a new buffer
    await ps.close();
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(sqlite3(db, "SELECT count(*), max(length(value)) FROM persist_hkv WHERE header='grow'")).toBe("3000|400");
  });
});
