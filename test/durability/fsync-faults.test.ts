/**
 * The disk unable to make writes durable: fsync itself fails with EIO (a FUSE file system that
 * fails it on demand, test/support/faulty-fs.ts).
 * - The journal: the records of the failed batch are cut off the file (written bytes a failed fsync
 *   did not make durable cannot be trusted), kept in memory, reported once, and written again, in
 *   order and without gaps, once fsync works.
 * - A save: the temp file's fsync failing leaves the old file byte-identical; the folder's fsync
 *   failing after the rename is an error that names the file, and the next save replaces the file
 *   again (it is ours, not "changed on disk"); the folder's fsync after a recorder's journal swap
 *   failing is a warning: the file is saved and the journal's old name still recovers it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Journal } from "../../src/store/persist/journal";
import { readJournal } from "../../src/store/persist/journal-format";
import { FilePersistence } from "../../src/store/persist/file";
import { PersistentStore } from "../../src/store/persistent-store";
import { loadSqlJs } from "../../src/store/sqljs";
import { StoreError } from "../../src/store/errors";
import { sqlite3 } from "../support/cli";
import { DurableStore } from "../../src/ingest/durable-store";
import { Recorder } from "../../src/recorder/recorder";
import { fileTables, referenceTables, syntheticMessages } from "../support/streams";
import { afterShot } from "../support/live-feed";
import { FaultyFs } from "../support/faulty-fs";
import { until } from "../support/until";

type Rec = { k: number; pad: string };
const pad = "p".repeat(100);

describe("when fsync fails", () => {
  let fs: FaultyFs;
  beforeAll(async () => {
    fs = await FaultyFs.mount();
  });
  afterAll(async () => {
    await fs?.unmount();
  });

  /** A new journal on the faulty file system (fsync working), with its write-error reports as "CODE WAITING" (null: writing again). */
  function journalOnFaultyFs(name: string, fsyncMs: number) {
    fs.healSync();
    const path = join(fs.dir, name);
    const { journal } = Journal.open<Rec>(path, { fsyncMs });
    const reports: (string | null)[] = [];
    journal.onWriteError = (e, waiting) => reports.push(e ? `${(e as NodeJS.ErrnoException).code} ${waiting}` : null);
    return { path, journal, reports };
  }

  it("an explicit flush: throws, leaves only the durable records in the file, reports once, and writes everything once fsync works", () => {
    const { path, journal, reports } = journalOnFaultyFs("explicit.journal", 100000);
    let k = 0;
    for (; k < 100; k++) journal.append({ k, pad });
    journal.flush();
    fs.failSync("explicit.journal");
    for (; k < 300; k++) journal.append({ k, pad });
    expect(() => journal.flush()).toThrow(/EIO/);
    expect(() => journal.flush()).toThrow(/EIO/);
    expect(reports).toEqual(["EIO 200"]); // said once
    expect(journal.waiting).toBe(200);
    const onDisk = readJournal<Rec>(path)!;
    expect(onDisk.cutBytes).toBe(0); // the failed batch was cut off whole
    expect(onDisk.records.map((r) => r.e.k)).toEqual([...Array(100).keys()]);
    fs.healSync();
    journal.flush();
    expect(reports).toEqual(["EIO 200", null]);
    expect(journal.waiting).toBe(0);
    journal.close();
    const after = readJournal<Rec>(path)!;
    expect(after.cutBytes).toBe(0);
    expect(after.records.map((r) => r.e.k)).toEqual([...Array(300).keys()]);
    expect(after.records.map((r) => r.n)).toEqual([...Array(300).keys()].map((i) => i + 1));
    expect(fs.failedSyncs().filter((p) => p.endsWith("explicit.journal")).length).toBe(2);
  });

  it("the timed flush: recording goes on while fsync fails, the retry writes the records once it works", async () => {
    const { path, journal, reports } = journalOnFaultyFs("timed.journal", 20);
    let k = 0;
    for (; k < 50; k++) journal.append({ k, pad });
    await until("the first timed flush", () => journal.waiting === 0);
    fs.failSync("timed.journal");
    for (; k < 80; k++) journal.append({ k, pad });
    await until("the failing flush's report", () => reports.length === 1);
    expect(reports).toEqual(["EIO 30"]);
    for (; k < 120; k++) journal.append({ k, pad }); // appends go on while it fails
    await until("a retry that fails too", () => fs.failedSyncs().filter((p) => p.endsWith("timed.journal")).length >= 2, 5000);
    expect(readJournal<Rec>(path)!.records.map((r) => r.e.k)).toEqual([...Array(50).keys()]);
    fs.healSync();
    await until("a retry that works", () => reports.length === 2, 5000);
    expect(reports).toEqual(["EIO 30", null]);
    expect(journal.waiting).toBe(0);
    const after = readJournal<Rec>(path)!;
    expect(after.cutBytes).toBe(0);
    expect(after.records.map((r) => r.e.k)).toEqual([...Array(120).keys()]);
    expect(after.records.map((r) => r.n)).toEqual([...Array(120).keys()].map((i) => i + 1));
    journal.close();
  });

  /** A database file in its own folder on the faulty file system, saved once with hkv a/b = "1". */
  async function savedOnce(folder: string) {
    fs.healSync();
    mkdirSync(join(fs.dir, folder));
    const path = join(fs.dir, folder, "pyde1.sqlite3");
    const ps = await PersistentStore.open(await loadSqlJs(), FilePersistence.open(path, { mode: "write" }));
    ps.store.hkv.set("a", "b", "1");
    expect(await ps.save()).toBe(true);
    return { ps, path };
  }

  it("a save whose temp file cannot be synced: refused with EIO, the old file byte-identical, no temp file left, the next save works", async () => {
    const { ps, path } = await savedOnce("tmp-sync");
    const before = readFileSync(path);
    ps.store.hkv.set("a", "b", "2");
    fs.failSync("/tmp-sync/pyde1.sqlite3.tmp-");
    await expect(ps.save()).rejects.toThrow(/EIO/);
    expect(fs.failedSyncs().some((p) => p.startsWith("/tmp-sync/pyde1.sqlite3.tmp-"))).toBe(true);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(join(fs.dir, "tmp-sync")).filter((n) => n.includes(".tmp-"))).toEqual([]);
    expect(ps.store.dirty).toBe(true);
    fs.healSync();
    expect(await ps.save()).toBe(true);
    expect(sqlite3(path, "SELECT value FROM persist_hkv WHERE header='a'")).toBe("2");
    await ps.close();
  });

  it("a save whose folder cannot be synced after the rename: an error naming the file, the data stays unsaved, and the next save replaces the file again", async () => {
    const { ps, path } = await savedOnce("dir-sync");
    ps.store.hkv.set("a", "b", "2");
    fs.failSync("=/dir-sync");
    const failed = await ps.save().then(
      () => null,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(StoreError);
    expect((failed as StoreError).file).toBe(path);
    expect((failed as Error).message).toContain(`${path}: written, but the folder ${join(fs.dir, "dir-sync")} could not be synced (EIO)`);
    expect((failed as Error).message).toContain("the next save tries again");
    expect(fs.failedSyncs()).toContain("/dir-sync");
    expect(ps.store.dirty).toBe(true);
    fs.healSync();
    ps.store.hkv.set("a", "b", "3");
    expect(await ps.save()).toBe(true); // not refused as "changed on disk": the file there is the one we wrote
    expect(ps.store.dirty).toBe(false);
    expect(sqlite3(path, "SELECT value FROM persist_hkv WHERE header='a'")).toBe("3");
    expect(sqlite3(path, "PRAGMA integrity_check")).toBe("ok");
    expect(readdirSync(join(fs.dir, "dir-sync")).filter((n) => n.includes(".tmp-"))).toEqual([]);
    await ps.close();
  });

  it("a recorder's save whose last step, the folder's fsync after the journal swap, fails: saved with a warning, not a failure; a power cut then loses nothing", async () => {
    await FaultyFs.using({ powerCut: true }, async (cut) => {
      const db = join(cut.dir, "swap.sqlite3");
      const log: string[] = [];
      const ds = await DurableStore.open(await loadSqlJs(), db, { fsyncMs: 20, log: (l, m) => log.push(`${l} ${m}`) });
      const recorder = new Recorder(ds.ps.store, { onAccepted: (e) => ds.accepted(e) });
      await ds.attach(recorder);
      const messages = syntheticMessages({ shots: 2, seed: 9 });
      const one = afterShot(messages, 1);
      for (const e of messages.slice(0, one)) recorder.handle(e);
      // a save syncs the folder twice: after the file's rename (works), after the journal's (fails)
      cut.failSync("=/", { skip: 1 });
      expect(ds.save("test")).toBe(true);
      cut.healSync();
      expect(cut.failedSyncs()).toEqual(["/"]);
      expect(log.filter((l) => l.startsWith("error"))).toEqual([]);
      const warning = log.filter((l) => l.includes("could not be synced after"));
      expect(warning).toHaveLength(1);
      expect(warning[0]).toContain(`warn record: saved ${db}, but ${cut.dir} could not be synced after ${db}.journal was moved into place (EIO)`);
      expect(ds.ps.store.dirty).toBe(false);
      // the second shot goes to the journal (fsynced), then the power fails
      for (const e of messages.slice(one)) recorder.handle(e);
      ds.journal.flush();
      const after = cut.afterPowerCut();
      ds.journal.close();
      ds.ps.store.close();
      expect(readdirSync(after).sort()).toEqual(["swap.sqlite3", "swap.sqlite3.journal", "swap.sqlite3.journal.next", "swap.sqlite3.lock"]);
      const restarted = join(after, "swap.sqlite3");
      const again = await DurableStore.open(await loadSqlJs(), restarted, { log: () => {} });
      const report = await again.attach(new Recorder(again.ps.store, { onAccepted: (e) => again.accepted(e) }));
      expect(report.replayed).toBeGreaterThan(0);
      await again.close();
      expect(await fileTables(restarted)).toEqual(await referenceTables(messages));
    });
  });
});
