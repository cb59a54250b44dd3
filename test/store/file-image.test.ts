import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hasFileImage, loadNodeSqlJs } from "../../src/store/persist/sqljs-node";
import { fileImagePatch } from "../../src/store/sqljs-patches";
import { FilePersistence } from "../../src/store/persist/file";
import { PersistentStore } from "../../src/store/persistent-store";
import { Store } from "../../src/store/store";
import { loadSqlJs } from "../../src/store/sqljs";
import { FIXTURES, ROOT, scratch, SHOTS_RECORDING } from "../support/paths";
import { copyDatabase } from "../support/copy-db";
import { sqlite3 } from "../support/cli";

/** Every row of every table, as text, for comparing two databases. */
function contents(store: Store): string {
  const names = (store.db.exec("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")[0]?.values ?? []).map((r) => String(r[0]));
  return names.map((n) => JSON.stringify(store.db.exec(`SELECT *, typeof(rowid) FROM "${n}" ORDER BY rowid`)[0]?.values ?? [])).join("\n");
}

describe("the Node engine's file image (a save without sql.js's export copy)", () => {
  it("is found in the installed sql.js build, so saves take the fast path", async () => {
    await loadNodeSqlJs();
    expect(hasFileImage()).toBe(true);
    const source = readFileSync(join(ROOT, "node_modules/sql.js/dist/sql-wasm.js"), "utf8");
    expect(fileImagePatch(source)).toContain(".prototype.fileImage=function");
  });

  it("adds nothing to a build whose names are not found (the caller then exports)", () => {
    expect(fileImagePatch("var initSqlJs = function () {};")).toBeNull();
  });

  it("holds the same database as export(): same pages but the header counters, and the same rows", async () => {
    const SQL = await loadNodeSqlJs();
    const store = Store.create(SQL, "image");
    store.transaction(() => {
      for (let i = 0; i < 3000; i++) store.hkv.set("image-test", `k${i}`, "v".repeat(i % 200));
    });
    const image = store.fileImage().slice();
    const exported = store.export();
    expect(image.length).toBe(exported.length);
    const differing: number[] = [];
    for (let i = 0; i < image.length; i++) if (image[i] !== exported[i]) differing.push(i);
    // only the header's change counter (24–27), schema cookie (40–43) and version-valid-for (92–95)
    expect(differing.every((i) => (i >= 24 && i < 28) || (i >= 40 && i < 44) || (i >= 92 && i < 96))).toBe(true);
    expect([image[18], image[19]]).toEqual([1, 1]);
    const plain = await loadSqlJs();
    const a = Store.open(plain, image, { file: "image" });
    const b = Store.open(plain, exported, { file: "export" });
    expect(contents(a)).toBe(contents(b));
    expect(a.hkv.get("image-test", "k2999")).toBe("v".repeat(2999 % 200));
    for (const s of [a, b, store]) s.close();
  });

  it("is refused inside a transaction, where the file is not yet whole", async () => {
    const store = Store.create(await loadNodeSqlJs(), "tx");
    expect(() => store.transaction(() => store.fileImage())).toThrow(/inside a transaction/);
    expect(store.fileImage().length).toBeGreaterThan(0); // and fine after it
    store.close();
  });

  it("saves a loaded fixture that then grew past the loaded bytes; native sqlite3 reads every row", async () => {
    const dir = scratch();
    const db = copyDatabase(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), dir);
    const before = Number(sqlite3(db, "SELECT count(*) FROM shot_sample_with_volume_update"));
    const size = readFileSync(db).length;
    const ps = await PersistentStore.open(await loadNodeSqlJs(), FilePersistence.open(db, { mode: "write" }));
    ps.store.transaction(() => {
      for (let i = 0; i < 4000; i++) ps.store.hkv.set("grow", `k${i}`, "x".repeat(300));
    });
    expect(await ps.save()).toBe(true);
    ps.store.hkv.set("grow", "after-save", "yes"); // the store goes on after a save from its own bytes
    await ps.close();
    expect(readFileSync(db).length).toBeGreaterThan(size + 1_000_000);
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(Number(sqlite3(db, "SELECT count(*) FROM shot_sample_with_volume_update"))).toBe(before);
    expect(sqlite3(db, "SELECT count(*), max(length(value)) FROM persist_hkv WHERE header='grow'")).toBe("4001|300");
  });
});
