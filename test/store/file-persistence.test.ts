import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync, copyFileSync, unlinkSync, renameSync } from "node:fs";
import { join } from "node:path";
import { FilePersistence } from "../../src/store/persist/file";
import { PersistentStore } from "../../src/store/persistent-store";
import { MemoryPersistence } from "../../src/store/persist/memory";
import { loadSqlJs } from "../../src/store/sqljs";
import { FileChangedError, ForeignWriterError, LockedError } from "../../src/store/errors";
import { FIXTURES, scratch } from "../support/paths";
import { sqlite3 } from "../support/cli";

/** Opens (creating) a database file for writing and adds one row so there is something to save. */
async function openWithChange(path: string) {
  const ps = await PersistentStore.open(await loadSqlJs(), FilePersistence.open(path, { mode: "write" }));
  ps.store.hkv.set("test", "k", String(Math.random()));
  return ps;
}

/** This boot of the machine, as the lock file records it. */
const BOOT = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("file persistence", () => {
  it("saves by replacing the file atomically; native sqlite3 reads it; no temp or journal files remain", async () => {
    const dir = scratch();
    const db = join(dir, "p.sqlite3");
    const ps = await openWithChange(db);
    ps.store.hkv.set("a", "b", "c");
    expect(await ps.save()).toBe(true);
    expect(await ps.save()).toBe(false); // only when dirty
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(sqlite3(db, "SELECT value FROM persist_hkv WHERE header='a'")).toBe("c");
    const bytes = readFileSync(db);
    expect([bytes[18], bytes[19]]).toEqual([1, 1]);
    await ps.close();
    expect(readdirSync(dir)).toEqual(["p.sqlite3"]);
  });

  it("keeps the old file's mode, owner and group", async () => {
    const dir = scratch();
    const db = join(dir, "p.sqlite3");
    await (await openWithChange(db)).close();
    chmodSync(db, 0o640);
    const root = process.getuid?.() === 0;
    if (root) chownSync(db, 65534, 65534);
    const ps = await openWithChange(db);
    await ps.close();
    const st = statSync(db);
    expect(st.mode & 0o7777).toBe(0o640);
    if (root) expect([st.uid, st.gid]).toEqual([65534, 65534]);
  });

  it("holds a lock while open; a second writer is refused; a dead owner's lock is taken over", async () => {
    const dir = scratch();
    const db = join(dir, "p.sqlite3");
    const ps = await openWithChange(db);
    expect(readFileSync(`${db}.lock`, "utf8")).toBe(`${process.pid} ${BOOT}\n`);
    expect(() => FilePersistence.open(db, { mode: "write" })).toThrow(LockedError);
    await ps.close();
    expect(existsSync(`${db}.lock`)).toBe(false);
    writeFileSync(`${db}.lock`, `${deadPid()}\n`);
    const again = await openWithChange(db);
    expect(readFileSync(`${db}.lock`, "utf8")).toBe(`${process.pid} ${BOOT}\n`);
    await again.close();
  });

  it("a lock left by an earlier boot of the machine is taken over though its pid now runs; one of this boot is not; an empty one is", async () => {
    const dir = scratch();
    const db = join(dir, "p.sqlite3");
    const other = "00000000-0000-4000-8000-000000000000";
    // pid 1 always runs: after a power cut and a restart, any old pid may be running something else
    writeFileSync(`${db}.lock`, `1 ${other}\n`);
    const ps = await openWithChange(db);
    expect(readFileSync(`${db}.lock`, "utf8")).toBe(`${process.pid} ${BOOT}\n`);
    await ps.close();
    writeFileSync(`${db}.lock`, `1 ${BOOT}\n`);
    expect(() => FilePersistence.open(db, { mode: "write" })).toThrow(/already open for writing by pyde1-store process 1\b/);
    expect(readFileSync(`${db}.lock`, "utf8")).toBe(`1 ${BOOT}\n`); // left alone
    writeFileSync(`${db}.lock`, "1\n"); // the format before boot ids: its pid decides
    expect(() => FilePersistence.open(db, { mode: "write" })).toThrow(LockedError);
    writeFileSync(`${db}.lock`, ""); // created, its bytes never written: a cut can leave that
    const again = await openWithChange(db);
    await again.close();
    expect(existsSync(`${db}.lock`)).toBe(false);
  });

  it("removes temporaries left by dead processes, and only those", async () => {
    const dir = scratch();
    const db = join(dir, "p.sqlite3");
    const dead = `${db}.tmp-${deadPid()}`;
    const live = `${db}.tmp-1`; // pid 1 is always alive
    writeFileSync(dead, "junk");
    writeFileSync(live, "someone's");
    const ps = await openWithChange(db);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    await ps.close();
  });

  it("refuses to save over a file changed, replaced or deleted underneath, keeping the data in memory", async () => {
    for (const change of ["append", "replace", "delete"] as const) {
      const dir = scratch();
      const db = join(dir, "p.sqlite3");
      const ps = await openWithChange(db);
      await ps.save();
      ps.store.hkv.set("after", "k", "v");
      if (change === "append") writeFileSync(db, Buffer.concat([readFileSync(db), Buffer.alloc(10)]));
      if (change === "replace") {
        writeFileSync(`${db}.other`, readFileSync(db));
        renameSync(`${db}.other`, db);
      }
      if (change === "delete") unlinkSync(db);
      const before = existsSync(db) ? readFileSync(db) : null;
      await expect(ps.save()).rejects.toThrow(FileChangedError);
      await expect(ps.save()).rejects.toThrow(db);
      if (before) expect(Buffer.compare(readFileSync(db), before)).toBe(0);
      else expect(existsSync(db)).toBe(false);
      expect(ps.store.hkv.get("after", "k")).toBe("v");
      expect(ps.store.dirty).toBe(true);
      ps.store.close();
      await ps.persistence.close();
    }
  });

  it("refuses to save while a -wal or -shm appeared beside the file", async () => {
    for (const suffix of ["-wal", "-shm"]) {
      const db = join(scratch(), "p.sqlite3");
      const ps = await openWithChange(db);
      await ps.save();
      const before = readFileSync(db);
      writeFileSync(db + suffix, "x");
      ps.store.hkv.set("after", "k", "v");
      await expect(ps.save()).rejects.toThrow(ForeignWriterError);
      expect(Buffer.compare(readFileSync(db), before)).toBe(0);
      ps.store.close();
      await ps.persistence.close();
    }
  });

  it("reads a live pyDE1 file with its -wal applied in read mode, and never saves", async () => {
    const dir = scratch();
    const db = join(dir, "pyde1.sqlite3");
    copyFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3"), db);
    copyFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3-wal"), `${db}-wal`);
    const ps = await PersistentStore.open(await loadSqlJs(), FilePersistence.open(db, { mode: "read" }), { upgrade: false });
    // the shots the native sqlite3 sees in a copy of both files (the newest only in the -wal)
    const copy = join(scratch(), "copy.sqlite3");
    copyFileSync(db, copy);
    copyFileSync(`${db}-wal`, `${copy}-wal`);
    expect(ps.store.sequences.list()).toHaveLength(Number(sqlite3(copy, "SELECT count(*) FROM sequence WHERE id <> 'dummy'")));
    ps.store.hkv.set("x", "y", "z");
    await expect(ps.save()).rejects.toThrow(/read-only/);
    ps.store.close();
  });
});

describe("memory persistence", () => {
  it("round-trips a database through save and load", async () => {
    const SQL = await loadSqlJs();
    const mem = new MemoryPersistence();
    const ps = await PersistentStore.open(SQL, mem);
    ps.store.hkv.set("h", "k", "v");
    await ps.close();
    expect(mem.saves).toBe(1);
    const again = await PersistentStore.open(SQL, mem);
    expect(again.store.hkv.get("h", "k")).toBe("v");
    await again.close();
    expect(mem.saves).toBe(1); // nothing changed, nothing saved
  });
});
