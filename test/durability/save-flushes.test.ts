/**
 * A background save flushes its file to the disk as it goes (`fdatasync` every `flushBytes`, 8 MB
 * by default), so that another file's fsync — the recorder's journal — never waits behind all of a
 * large save's unflushed bytes (BENCHMARKS.md, "Durability and the disk's stalls"). On the FUSE file
 * system of test/support/faulty-fs.ts:
 * - what a power cut would leave of a file written with flushes: every byte up to the last flush
 *   (and nothing of one written without);
 * - a flush that fails on the way fails the save before its last fsync: the old file
 *   byte-identical, no temp file left, and the next save works; by default too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ImageFile } from "../../src/store/persist/image-file";
import { FilePersistence } from "../../src/store/persist/file";
import { fsyncPath } from "../../src/store/persist/fsync-path";
import { PersistentStore } from "../../src/store/persistent-store";
import { loadSqlJs } from "../../src/store/sqljs";
import { sqlite3 } from "../support/cli";
import { FaultyFs } from "../support/faulty-fs";
import { imagePattern } from "../support/image-bytes";

const MB = 1 << 20;

it("a file written in pieces with a flush every 1 MB: a power cut before its last fsync keeps every byte up to the last flush", async () => {
  await FaultyFs.using({ powerCut: true }, async (cut) => {
    const bytes = imagePattern(2.5 * MB, 3);
    const flushed = ImageFile.create(join(cut.dir, "flushed"), 0o644);
    const unflushed = ImageFile.create(join(cut.dir, "unflushed"), 0o644);
    fsyncPath(cut.dir); // both names durable: what follows is about their bytes
    try {
      await flushed.writeAll(bytes, 256 << 10, MB);
      await unflushed.writeAll(bytes, 256 << 10);
    } finally {
      flushed.close();
      unflushed.close();
    }
    const after = cut.afterPowerCut();
    expect(Buffer.compare(readFileSync(join(after, "flushed")), bytes.subarray(0, 2 * MB))).toBe(0);
    expect(readFileSync(join(after, "unflushed")).length).toBe(0);
  });
});

describe("a background save whose flush on the way fails", () => {
  let fs: FaultyFs;
  beforeAll(async () => {
    fs = await FaultyFs.mount();
  });
  afterAll(async () => {
    await fs?.unmount();
  });

  /** A saved database of at least `bytes` on the faulty file system, and its persistence. */
  async function savedDatabase(name: string, bytes: number) {
    fs.healSync();
    mkdirSync(join(fs.dir, name));
    const path = join(fs.dir, name, "pyde1.sqlite3");
    const persistence = FilePersistence.open(path, { mode: "write" });
    const ps = await PersistentStore.open(await loadSqlJs(), persistence);
    const row = "r".repeat(1000);
    ps.store.transaction(() => {
      for (let i = 0; i * 1000 < bytes; i++) ps.store.hkv.set("fill", `k${i}`, row);
    });
    expect(await ps.save()).toBe(true);
    expect(ps.store.fileImage().length).toBeGreaterThan(bytes);
    return { ps, persistence, path, dir: join(fs.dir, name) };
  }

  it("the second of its 1 MB flushes: refused with EIO, the old file byte-identical, no temp file left, the next save works", async () => {
    const { ps, persistence, path, dir } = await savedDatabase("second-flush", 3 * MB);
    try {
      const before = readFileSync(path);
      ps.store.hkv.set("a", "b", "2");
      fs.failSync(`/second-flush/pyde1.sqlite3.tmp-`, { skip: 1 }); // the first flush works
      await expect(persistence.saveInBackground(ps.store.fileImage(), { chunkBytes: 64 << 10, flushBytes: MB })).rejects.toThrow(/EIO/);
      expect(fs.failedSyncs().filter((p) => p.startsWith("/second-flush/pyde1.sqlite3.tmp-"))).toHaveLength(1);
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([]);
      fs.healSync();
      await persistence.saveInBackground(ps.store.fileImage(), { chunkBytes: 64 << 10, flushBytes: MB });
      ps.store.markSaved();
      expect(sqlite3(path, "SELECT value FROM persist_hkv WHERE header='a'")).toBe("2");
      expect(sqlite3(path, "PRAGMA integrity_check")).toBe("ok");
    } finally {
      fs.healSync();
      await ps.close();
    }
  });

  it("by default (a flush every 8 MB): a 9 MB save's one flush works and its last fsync fails, so there was a flush before it", async () => {
    const { ps, persistence, path, dir } = await savedDatabase("default", 9 * MB);
    try {
      const image = ps.store.fileImage();
      expect(image.length).toBeLessThan(16 * MB); // one flush on the way, at 8 MB
      const before = readFileSync(path);
      ps.store.hkv.set("a", "b", "2");
      fs.failSync(`/default/pyde1.sqlite3.tmp-`, { skip: 1 }); // without a flush on the way, the last fsync would be the first, and work
      await expect(persistence.saveInBackground(ps.store.fileImage())).rejects.toThrow(/EIO/);
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([]);
    } finally {
      fs.healSync();
      await ps.close();
    }
  });
});
