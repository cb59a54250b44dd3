/**
 * The disk failing under the real `record` process: full while saving (a small tmpfs filled by
 * the test), fsync failing with EIO (a FUSE file system that fails it on demand), a read-only
 * folder (at start, and a read-only bind mount laid over the folder while recording: root ignores
 * chmod), the file deleted or replaced underneath. Each time: a clear error
 * naming the file, nothing clobbered, the recorder keeps running, and once the fault is gone the
 * next save holds all the data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { closeSync, copyFileSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { LiveFeed, afterShot } from "../support/live-feed";
import { Tmpfs } from "../support/tmpfs";
import { FaultyFs } from "../support/faulty-fs";
import { scratch } from "../support/paths";
import { sqlite3 } from "../support/cli";
import { fileTables, notPrefix, referenceTables, syntheticMessages } from "../support/streams";
import type { CliProcess } from "../support/recorder-process";
import { until } from "../support/until";

const messages = syntheticMessages({ shots: 3, seed: 3 });
const one = afterShot(messages, 1) + 20;
const two = afterShot(messages, 2) + 20;

/** Fills the filesystem of `dir` up to the last byte with `dir/filler`. */
function fill(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024, 7);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
    // the last few bytes
    for (const size of [4096, 512, 1]) {
      try {
        for (;;) writeSync(fd, chunk, 0, size);
      } catch {
        /* full at this size */
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

const saves = (p: CliProcess) => p.lines(/debug record: saved /).length;


describe("disk faults under the real recorder", () => {
  let feed: LiveFeed;
  const mounts: Tmpfs[] = [];
  const faulty: FaultyFs[] = [];
  const binds: string[] = [];
  beforeAll(async () => {
    feed = await LiveFeed.start();
  });
  afterAll(async () => {
    for (const b of binds) {
      try {
        execFileSync("umount", ["-l", b]);
      } catch {
        /* already gone */
      }
    }
    for (const m of mounts) m.unmount();
    for (const f of faulty) await f.unmount();
    await feed?.stop();
  });

  /** A recorder on a new file in a scratch folder, with the first shot recorded and saved (the settle save too). */
  async function firstShotSaved(prefix: string, args: string[] = []): Promise<{ dir: string; db: string; proc: CliProcess }> {
    const dir = scratch(prefix);
    const db = join(dir, "pyde1.sqlite3");
    const proc = await feed.record(db, ["--idle-save", "1", ...args]);
    await feed.publish(messages.slice(0, one));
    await feed.sync(proc);
    await until("a first save", () => saves(proc) >= 1);
    await new Promise((r) => setTimeout(r, 1300));
    return { dir, db, proc };
  }

  /** A recorder on a new file on a 3 MB tmpfs, the first shot fed and received (not yet saved). */
  async function firstShotOnSmallDisk(): Promise<{ fs: Tmpfs; db: string; proc: CliProcess }> {
    const fs = Tmpfs.mount(3 * 1024 * 1024);
    mounts.push(fs);
    const db = join(fs.dir, "pyde1.sqlite3");
    const proc = await feed.record(db, ["--idle-save", "1", "--fsync-ms", "50"]);
    await feed.publish(messages.slice(0, one));
    await feed.sync(proc);
    return { fs, db, proc };
  }

  /** Feeds the second shot and waits until a save fails or is refused. */
  async function secondShotNotSaved(proc: CliProcess): Promise<void> {
    await feed.publish(messages.slice(one, two));
    await feed.sync(proc);
    await until("a failed or refused save", () => proc.lines(/could not save/).length >= 1);
  }

  it("disk full while saving: the old file stays byte-identical, the error names the file and the free space, nothing is lost once space returns", async () => {
    const { fs, db, proc } = await firstShotOnSmallDisk();
    await until("a save after the first shot", () => saves(proc) >= 1 && proc.lines(/sequence .* complete/).length >= 1);
    await new Promise((r) => setTimeout(r, 1300)); // the settle save after the sequence
    const before = readFileSync(db);
    const filler = fill(fs.dir);
    await feed.publish(messages.slice(one, two));
    await feed.sync(proc);
    await until("a failed save", () => proc.lines(/error record: could not save/).length >= 1);
    await until("the journal's write error", () => proc.lines(/cannot write .*\.journal/).length >= 1);
    const failed = proc.lines(/error record: could not save/)[0];
    expect(failed).toContain(db);
    expect(failed).toMatch(/ENOSPC/);
    expect(failed).toMatch(new RegExp(`\\d+\\.\\d MB free in ${fs.dir}`));
    expect(proc.lines(/cannot write .*\.journal/)[0]).toMatch(/ENOSPC.*keeping \d+ events in memory/);
    expect(proc.running).toBe(true);
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(readdirSync(fs.dir).filter((n) => n.includes(".tmp-") || n.endsWith(".next"))).toEqual([]);
    await new Promise((r) => setTimeout(r, 2500)); // more failing attempts: still running, the journal error said once
    expect(proc.running).toBe(true);
    expect(proc.lines(/cannot write .*\.journal/).length).toBe(1);
    // space returns
    unlinkSync(filler);
    const n = saves(proc);
    await until("a save after space returned", () => saves(proc) > n);
    expect(proc.lines(/writing .*\.journal again/).length).toBe(1);
    expect(await proc.signal("SIGTERM")).toBe(0);
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(await fileTables(db)).toEqual(await referenceTables(messages.slice(0, two)));
  });

  it("fsync fails (the disk cannot make writes durable): saves and the journal say so, the old file stays byte-identical, recording goes on, nothing is lost once fsync works", async () => {
    const fs = await FaultyFs.mount();
    faulty.push(fs);
    const db = join(fs.dir, "pyde1.sqlite3");
    const proc = await feed.record(db, ["--idle-save", "1", "--fsync-ms", "50"]);
    await feed.publish(messages.slice(0, one));
    await feed.sync(proc);
    await until("a save after the first shot", () => saves(proc) >= 1 && proc.lines(/sequence .* complete/).length >= 1);
    await new Promise((r) => setTimeout(r, 1300)); // the settle save after the sequence
    const before = readFileSync(db);
    fs.failSync();
    await feed.publish(messages.slice(one, two));
    await feed.sync(proc);
    await until("a failed save", () => proc.lines(/error record: could not save/).length >= 1);
    await until("the journal's fsync error", () => proc.lines(/cannot write .*\.journal/).length >= 1);
    expect(proc.lines(/error record: could not save/)[0]).toContain(db);
    expect(proc.lines(/error record: could not save/)[0]).toMatch(/EIO/);
    expect(proc.lines(/cannot write .*\.journal/)[0]).toMatch(/EIO.*keeping \d+ events in memory/);
    expect(fs.failedSyncs().some((p) => p.endsWith("pyde1.sqlite3.journal"))).toBe(true);
    expect(proc.running).toBe(true);
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(readdirSync(fs.dir).filter((n) => n.includes(".tmp-") || n.endsWith(".next"))).toEqual([]);
    fs.healSync();
    const n = saves(proc);
    await until("a save once fsync works", () => saves(proc) > n);
    await until("the journal written again", () => proc.lines(/writing .*\.journal again/).length === 1);
    expect(await proc.signal("SIGTERM")).toBe(0);
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(await fileTables(db)).toEqual(await referenceTables(messages.slice(0, two)));
  });

  it("kill -9 while the disk is full: the file and journal on disk stay valid; after space returns the restart recovers a prefix holding everything from before the disk filled", async () => {
    const { fs, db, proc } = await firstShotOnSmallDisk();
    await new Promise((r) => setTimeout(r, 300)); // past the fsync window: all of it is in the journal
    const filler = fill(fs.dir);
    await feed.publish(messages.slice(one, two));
    await feed.sync(proc);
    await until("the journal's write error", () => proc.lines(/cannot write .*\.journal/).length >= 1);
    await proc.signal("SIGKILL");
    if (statSync(db, { throwIfNoEntry: false })) expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    unlinkSync(filler);
    const again = await feed.record(db, ["--idle-save", "1"]);
    expect(await again.signal("SIGTERM")).toBe(0);
    expect(again.lines(/torn or corrupt tail/)).toEqual([]); // the failed batch left no torn record
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    const got = await fileTables(db);
    const upToFull = await referenceTables(messages.slice(0, one));
    const all = await referenceTables(messages.slice(0, two));
    expect(notPrefix(got, all)).toEqual([]);
    for (const t of Object.keys(upToFull)) expect(got[t].length, t).toBeGreaterThanOrEqual(upToFull[t].length);
  });

  it("a folder that is read-only at start: a clear refusal, the file untouched", async () => {
    const fs = Tmpfs.mount(4 * 1024 * 1024);
    mounts.push(fs);
    const db = join(fs.dir, "pyde1.sqlite3");
    const proc = await feed.record(db, ["--idle-save", "1"]);
    await feed.publish(messages.slice(0, one));
    await feed.sync(proc);
    expect(await proc.signal("SIGTERM")).toBe(0);
    const before = readFileSync(db);
    fs.remount("ro");
    const again = await feed.record(db, [], false);
    const code = await again.exited;
    expect(code).not.toBe(0);
    expect(again.stderr).toContain(db);
    expect(again.stderr).toContain(`cannot write in ${fs.dir} (EROFS: a read-only file system)`);
    expect(again.stderr).toContain("Remount it read-write");
    expect(again.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(readFileSync(db).equals(before)).toBe(true);
    fs.remount("rw");
  });

  it("the folder turns read-only while recording: saves fail with a clear error, recording goes on, the next save after it is writable again holds everything", async () => {
    const { dir, db, proc } = await firstShotSaved("pyde1-store-ro-", ["--fsync-ms", "50"]);
    const before = readFileSync(db);
    // a read-only bind mount over the folder: new files cannot be made there (the open journal
    // was opened through the writable mount beneath and keeps working)
    execFileSync("mount", ["--bind", dir, dir]);
    binds.push(dir);
    execFileSync("mount", ["-o", "remount,bind,ro", dir]);
    await secondShotNotSaved(proc);
    const failed = proc.lines(/error record: could not save/)[0];
    expect(failed).toContain(db);
    expect(failed).toMatch(/EROFS|read-only/i);
    expect(proc.running).toBe(true);
    expect(readFileSync(db).equals(before)).toBe(true);
    execFileSync("umount", [dir]);
    binds.pop();
    const n = saves(proc);
    await until("a save once writable", () => saves(proc) > n);
    expect(await proc.signal("SIGTERM")).toBe(0);
    expect(await fileTables(db)).toEqual(await referenceTables(messages.slice(0, two)));
  });

  it("the file deleted underneath: the save is refused with a clear error, no file is made, recording goes on", async () => {
    const { dir, db, proc } = await firstShotSaved("pyde1-store-deleted-");
    unlinkSync(db);
    await secondShotNotSaved(proc);
    expect(proc.lines(/could not save/)[0]).toContain(`${db}: changed on disk since it was loaded (it was deleted); not saving over it`);
    expect(proc.running).toBe(true);
    expect(await proc.signal("SIGTERM")).toBe(0);
    expect(readdirSync(dir).filter((n) => n.startsWith("pyde1.sqlite3") && !n.includes(".journal"))).toEqual([]);
  });

  it("the file replaced underneath: the other file is never overwritten, recording goes on", async () => {
    const { dir, db, proc } = await firstShotSaved("pyde1-store-replaced-");
    const other = join(dir, "other.sqlite3");
    copyFileSync(db, other);
    sqlite3(other, "CREATE TABLE mine(x); INSERT INTO mine VALUES ('someone else''s');");
    renameSync(other, db);
    const theirs = readFileSync(db);
    await secondShotNotSaved(proc);
    expect(proc.lines(/could not save/)[0]).toContain("replaced by another file");
    expect(proc.running).toBe(true);
    expect(await proc.signal("SIGTERM")).toBe(0);
    expect(readFileSync(db).equals(theirs)).toBe(true);
  });
});
