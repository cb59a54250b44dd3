import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ImageFile, DIRECT_ALIGN } from "../../src/store/persist/image-file";
import { loadNodeSqlJs } from "../../src/store/persist/sqljs-node";
import { FilePersistence } from "../../src/store/persist/file";
import { PersistentStore } from "../../src/store/persistent-store";
import { FIXTURES, scratch, SHOTS_RECORDING } from "../support/paths";
import { copyDatabase } from "../support/copy-db";
import { cli, sqlite3 } from "../support/cli";
import { Tmpfs } from "../support/tmpfs";
import { imagePattern } from "../support/image-bytes";

/** Pages of `file` in the page cache, as util-linux's `fincore` reports them. */
function cachedPages(file: string): number {
  return Number(execFileSync("fincore", ["--bytes", "--noheadings", "--output", "PAGES", file], { encoding: "utf8" }).trim());
}


describe("the file a save writes (around the page cache where allowed)", () => {
  it("writes an aligned image directly: the same bytes on disk, none of them left in the page cache", () => {
    const path = join(scratch(), "image");
    const bytes = imagePattern(3 << 20);
    const file = ImageFile.create(path, 0o644);
    file.writeAllSync(bytes);
    file.syncSync();
    file.close();
    expect(file.directBytes).toBe(bytes.length);
    expect(cachedPages(path)).toBe(0); // through the cache, all 768 pages would be resident now
    expect(Buffer.compare(readFileSync(path), bytes)).toBe(0);
  });

  it("writes an unaligned tail, memory that does not start on a page and memory the system refuses through the cache, from where the direct writes stopped", async () => {
    const dir = scratch();
    const tailed = imagePattern(5 * DIRECT_ALIGN + 100); // 5 pages direct, 100 bytes cached
    const a = ImageFile.create(join(dir, "tailed"), 0o644);
    a.writeAllSync(tailed);
    a.syncSync();
    a.close();
    expect(a.directBytes).toBe(5 * DIRECT_ALIGN);
    expect(Buffer.compare(readFileSync(join(dir, "tailed")), tailed)).toBe(0);

    const shifted = imagePattern(64 * DIRECT_ALIGN + 1, 3).subarray(1); // starts one byte into a page
    const b = ImageFile.create(join(dir, "shifted"), 0o644);
    await b.writeAll(shifted, 5000);
    await b.sync();
    b.close();
    expect(b.directBytes).toBe(0);
    expect(cachedPages(join(dir, "shifted"))).toBe(64);
    expect(Buffer.compare(readFileSync(join(dir, "shifted")), shifted)).toBe(0);

    const plain = new Uint8Array(imagePattern(256 * DIRECT_ALIGN, 5)); // ordinary memory (malloc): the system refuses it
    const c = ImageFile.create(join(dir, "plain"), 0o644);
    c.writeAllSync(plain);
    c.syncSync();
    c.close();
    expect(c.directBytes).toBe(0);
    expect(cachedPages(join(dir, "plain"))).toBe(256);
    expect(Buffer.compare(readFileSync(join(dir, "plain")), plain)).toBe(0);
  });

  it("writes in pieces on Node's I/O threads: the same bytes, directly, over a longer file it truncates", async () => {
    const path = join(scratch(), "image");
    const first = ImageFile.create(path, 0o600);
    first.writeAllSync(imagePattern(4 << 20, 1));
    first.close();
    const bytes = imagePattern((2 << 20) + 3 * DIRECT_ALIGN, 9);
    const file = ImageFile.create(path, 0o600);
    await file.writeAll(bytes, 300_000); // not a multiple of the alignment: rounded down
    await file.sync();
    file.close();
    expect(file.directBytes).toBe(bytes.length);
    expect(cachedPages(path)).toBe(0);
    expect(Buffer.compare(readFileSync(path), bytes)).toBe(0);
  });

  it("a database saved by FilePersistence, in the foreground and in the background, goes around the cache and native sqlite3 reads it", async () => {
    const db = copyDatabase(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), scratch());
    const ps = await PersistentStore.open(await loadNodeSqlJs(), FilePersistence.open(db, { mode: "write" }));
    const file = ps.persistence as FilePersistence;
    ps.store.hkv.set("test", "saved", "in the foreground");
    file.saveSync(ps.store.fileImage());
    expect(file.lastSaveDirectBytes).toBe(ps.store.fileImage().length);
    expect(cachedPages(db)).toBe(0);
    expect(sqlite3(db, "SELECT value FROM persist_hkv WHERE header='test'")).toBe("in the foreground");

    ps.store.hkv.set("test", "saved", "in the background");
    await file.saveInBackground(ps.store.fileImage(), { chunkBytes: 64 * 1024 });
    expect(file.lastSaveDirectBytes).toBe(ps.store.fileImage().length);
    expect(cachedPages(db)).toBe(0);
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(sqlite3(db, "SELECT value FROM persist_hkv WHERE header='test'")).toBe("in the background");

    file.direct = false; // the same save through the page cache, for comparison
    ps.store.hkv.set("test", "saved", "through the cache");
    file.saveSync(ps.store.fileImage());
    expect(file.lastSaveDirectBytes).toBe(0);
    expect(cachedPages(db)).toBeGreaterThan(0);
    await ps.close();
    expect(sqlite3(db, "SELECT value FROM persist_hkv WHERE header='test'")).toBe("through the cache");
  });

  it("the command line saves around the cache, and through it with PYDE1_STORE_DIRECT_IO=0", () => {
    const dir = scratch();
    const capture = join(FIXTURES, "recordings", SHOTS_RECORDING, "capture.ndjson");
    const direct = join(dir, "direct.sqlite3");
    const cached = join(dir, "cached.sqlite3");
    expect(cli(["record", "--db", direct, "--from-capture", capture]).code).toBe(0);
    expect(cli(["record", "--db", cached, "--from-capture", capture], { PYDE1_STORE_DIRECT_IO: "0" }).code).toBe(0);
    expect(cachedPages(direct)).toBe(0);
    expect(cachedPages(cached)).toBeGreaterThan(0);
    expect(Buffer.compare(readFileSync(direct), readFileSync(cached))).toBe(0);
  });

  it("on a file system that refuses direct I/O when the file is opened (ramfs; needs root): everything through the cache, and the command line's saves work there", () => {
    const ramfs = Tmpfs.mountRamfs();
    const dir = ramfs.dir;
    try {
      const bytes = imagePattern(64 * DIRECT_ALIGN);
      const file = ImageFile.create(join(dir, "image"), 0o644);
      file.writeAllSync(bytes);
      file.syncSync();
      file.close();
      expect(file.directBytes).toBe(0);
      expect(Buffer.compare(readFileSync(join(dir, "image")), bytes)).toBe(0);

      const db = join(dir, "db.sqlite3");
      const r = cli(["record", "--db", db, "--from-capture", join(FIXTURES, "recordings", SHOTS_RECORDING, "capture.ndjson")]);
      expect(r.code, r.stderr).toBe(0);
      expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
      expect(Number(sqlite3(db, "SELECT count(*) FROM shot_sample_with_volume_update"))).toBeGreaterThan(100);
    } finally {
      ramfs.unmount();
    }
  });
});
