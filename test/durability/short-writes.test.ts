/**
 * A write(2) that takes fewer bytes than it was asked to (a FUSE or network file system, a disk
 * filling up): the file system of test/support/faulty-fs.ts shortens every write to a path to a few
 * hundred bytes. Node's fs calls do not pass such a count on: libuv writes again from where the
 * last write stopped until every byte is taken or a write fails (then the caller gets the bytes
 * taken so far, and its next write the error: the disk-full tests of disk-faults.test.ts). These
 * tests check, end to end, that every byte lands where it belongs on such a file system:
 * - a save's file (ImageFile), written directly and through the page cache, in the foreground and
 *   on Node's I/O threads;
 * - a whole save through FilePersistence, in the foreground and in the background, read by native
 *   sqlite3;
 * - the journal, whose blocks must each be written whole.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ImageFile, DIRECT_ALIGN } from "../../src/store/persist/image-file";
import { FilePersistence } from "../../src/store/persist/file";
import { Journal } from "../../src/store/persist/journal";
import { readJournal } from "../../src/store/persist/journal-format";
import { PersistentStore } from "../../src/store/persistent-store";
import { loadSqlJs } from "../../src/store/sqljs";
import { sqlite3 } from "../support/cli";
import { FaultyFs } from "../support/faulty-fs";
import { imagePattern } from "../support/image-bytes";


describe("when write(2) takes only part of the bytes", () => {
  let fs: FaultyFs;
  beforeAll(async () => {
    fs = await FaultyFs.mount();
  });
  afterAll(async () => {
    await fs?.unmount();
  });

  /** The shortened writes to `name` so far, as [offset, asked, limit]. */
  function shortenedWrites(name: string): number[][] {
    return fs
      .shortened()
      .filter((line) => line.startsWith(`/${name} `))
      .map((line) => line.split(" ").slice(1).map(Number));
  }

  it("a save's file written in the foreground: every byte in place, directly up to the unaligned tail", () => {
    const bytes = imagePattern(40 * DIRECT_ALIGN + 123, 1);
    fs.shortWrites(700, "sync-image");
    const file = ImageFile.create(join(fs.dir, "sync-image"), 0o644);
    try {
      file.writeAllSync(bytes);
      file.syncSync();
    } finally {
      file.close();
      fs.fullWrites();
    }
    const shortened = shortenedWrites("sync-image");
    expect(shortened.length).toBeGreaterThan(bytes.length / 700 - 10); // nearly every write came up short
    expect(shortened.every(([, asked, limit]) => asked > limit && limit === 700)).toBe(true);
    expect(file.directBytes).toBe(40 * DIRECT_ALIGN); // the short writes were completed: the direct ones went on
    expect(Buffer.compare(readFileSync(join(fs.dir, "sync-image")), bytes)).toBe(0);
  });

  it("a save's file written on Node's I/O threads, in pieces: the same", async () => {
    const bytes = imagePattern(24 * DIRECT_ALIGN, 2);
    fs.shortWrites(900, "async-image");
    const file = ImageFile.create(join(fs.dir, "async-image"), 0o644);
    try {
      await file.writeAll(bytes, 3 * DIRECT_ALIGN);
      await file.sync();
    } finally {
      file.close();
      fs.fullWrites();
    }
    expect(shortenedWrites("async-image").length).toBeGreaterThan(bytes.length / 900 - 10);
    expect(Buffer.compare(readFileSync(join(fs.dir, "async-image")), bytes)).toBe(0);
  });

  it("a database saved by FilePersistence, in the foreground and in the background: whole, and native sqlite3 reads it", async () => {
    mkdirSync(join(fs.dir, "db"));
    const path = join(fs.dir, "db", "pyde1.sqlite3");
    const persistence = FilePersistence.open(path, { mode: "write" });
    const ps = await PersistentStore.open(await loadSqlJs(), persistence);
    try {
      const fill = (from: number, to: number) =>
        ps.store.transaction(() => {
          for (let i = from; i < to; i++) ps.store.hkv.set("short", `k${i}`, `value ${i} ${"v".repeat(i % 97)}`);
        });
      fill(0, 2000);
      fs.shortWrites(500, "pyde1.sqlite3.tmp-");
      expect(await ps.save()).toBe(true);
      expect(shortenedWrites("db/pyde1.sqlite3.tmp-" + process.pid).length).toBeGreaterThan(100);
      expect(Buffer.compare(readFileSync(path), ps.store.fileImage())).toBe(0);
      expect(sqlite3(path, "PRAGMA integrity_check")).toBe("ok");
      expect(sqlite3(path, "SELECT count(*) FROM persist_hkv WHERE header='short'")).toBe("2000");

      fill(2000, 4000);
      const before = shortenedWrites("db/pyde1.sqlite3.tmp-" + process.pid).length;
      await persistence.saveInBackground(ps.store.fileImage(), { chunkBytes: 64 << 10 });
      ps.store.markSaved();
      expect(shortenedWrites("db/pyde1.sqlite3.tmp-" + process.pid).length).toBeGreaterThan(before + 100);
      expect(Buffer.compare(readFileSync(path), ps.store.fileImage())).toBe(0);
      expect(sqlite3(path, "PRAGMA integrity_check")).toBe("ok");
      expect(sqlite3(path, "SELECT value FROM persist_hkv WHERE header='short' AND key='k3999'")).toBe(`value 3999 ${"v".repeat(3999 % 97)}`);
    } finally {
      fs.fullWrites();
      await ps.close();
    }
  });

  it("the journal: each block written whole however many writes it takes, every record read back in order", () => {
    type Rec = { k: number; pad: string };
    const path = join(fs.dir, "short.journal");
    fs.shortWrites(300, "short.journal");
    const { journal } = Journal.open<Rec>(path, { fsyncMs: 100000 });
    try {
      for (let k = 0; k < 200; k++) {
        journal.append({ k, pad: "j".repeat(k * 7) });
        if (k % 50 === 49) journal.flush();
      }
      expect(journal.waiting).toBe(0);
    } finally {
      journal.close();
      fs.fullWrites();
    }
    expect(shortenedWrites("short.journal").length).toBeGreaterThan(100);
    const contents = readJournal<Rec>(path)!;
    expect(contents.cutBytes).toBe(0);
    expect(contents.records.map((r) => r.e.k)).toEqual([...Array(200).keys()]);
    expect(contents.records.every((r) => r.e.pad === "j".repeat(r.e.k * 7))).toBe(true);
  });
});
