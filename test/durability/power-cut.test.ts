/**
 * Pull the plug, for real: 10 power cuts of the real `record` process (half at random moments,
 * half the instant a save begins). The folder is a FUSE file system that keeps only what fsync
 * made durable, by POSIX's rules (test/support/faulty-fs.ts): after each cut the file, its journal
 * and the folder's names are what a disk would hold, not the page cache a kill -9 leaves behind.
 * The loop's checks are the kill loop's (test/support/kill-loop.ts). Before it, the pieces one by
 * one: a new journal, an upgrade's backup, a backup, an export's file, a save, each durable once
 * the call returns.
 */
import { describe, expect, it } from "vitest";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { expectCleanLoop, killLoop, loopSummary } from "../support/kill-loop";
import { FaultyFs } from "../support/faulty-fs";
import { FIXTURES, scratch } from "../support/paths";
import { sqlite3 } from "../support/cli";
import { Journal } from "../../src/store/persist/journal";
import { readJournal } from "../../src/store/persist/journal-format";
import { FilePersistence } from "../../src/store/persist/file";
import { PersistentStore } from "../../src/store/persistent-store";
import { loadSqlJs } from "../../src/store/sqljs";
import { Store } from "../../src/store/store";
import { backupStore } from "../../src/export/backup-file";
import { writeFileAtomic } from "../../src/cli/output-file";

describe("power cuts while recording and while saving", () => {
  it("a new journal's fsynced records survive a cut that comes before any save: its name is made durable when it is created", async () => {
    await FaultyFs.using({ powerCut: true }, async (fs) => {
      const path = join(fs.dir, "db.sqlite3.journal");
      const { journal } = Journal.open<{ k: number }>(path, { fsyncMs: 100000 });
      for (let k = 0; k < 10; k++) journal.append({ k });
      journal.flush();
      journal.append({ k: 10 }); // not flushed: a cut may take it
      const after = fs.afterPowerCut();
      expect(readdirSync(after)).toEqual(["db.sqlite3.journal"]);
      expect(readJournal<{ k: number }>(join(after, "db.sqlite3.journal"))!.records.map((r) => r.e.k)).toEqual([...Array(10).keys()]);
      journal.close();
    });
  });

  it("an upgrade's backup of the original survives a cut that comes right after the upgraded file is saved", async () => {
    const seed = scratch("pyde1-store-seed-");
    const original = join(FIXTURES, "schemas/pyde1-schema-001.sqlite3");
    copyFileSync(original, join(seed, "pyde1.sqlite3")); // the original lies on disk, durable
    await FaultyFs.using({ powerCut: true, seed }, async (fs) => {
      const path = join(fs.dir, "pyde1.sqlite3");
      const file = FilePersistence.open(path, { mode: "write" });
      const ps = await PersistentStore.open(await loadSqlJs(), file, { backup: () => file.backup() });
      expect(ps.backupPath).not.toBeNull();
      expect(await ps.save()).toBe(true);
      const after = fs.afterPowerCut();
      const backup = join(after, basename(ps.backupPath!));
      expect(readFileSync(backup).equals(readFileSync(original))).toBe(true);
      expect(sqlite3(join(after, "pyde1.sqlite3"), "PRAGMA user_version")).toBe("3");
      await ps.close();
    });
  });

  it("a backup, once reported, survives a cut: its bytes and its name", async () => {
    await FaultyFs.using({ powerCut: true }, async (fs) => {
      const SQL = await loadSqlJs();
      const store = Store.create(SQL);
      store.hkv.set("a", "b", "1");
      const result = await backupStore(SQL, store, fs.dir, { compress: "none" });
      const after = fs.afterPowerCut();
      expect(readdirSync(after)).toEqual([basename(result.path)]);
      expect(readFileSync(join(after, basename(result.path))).equals(readFileSync(result.path))).toBe(true);
      expect(sqlite3(join(after, basename(result.path)), "SELECT value FROM persist_hkv WHERE header='a'")).toBe("1");
      store.close();
    });
  });

  it("an export's output file, once written, survives a cut, whether it replaced a file or was made anew", async () => {
    await FaultyFs.using({ powerCut: true }, async (fs) => {
      writeFileAtomic(join(fs.dir, "shot.csv"), "first\n");
      writeFileAtomic(join(fs.dir, "shot.csv"), "second\n");
      writeFileAtomic(join(fs.dir, "shot.json"), "{}\n", { exclusive: true });
      const after = fs.afterPowerCut();
      expect(readdirSync(after).sort()).toEqual(["shot.csv", "shot.json"]);
      expect(readFileSync(join(after, "shot.csv"), "utf8")).toBe("second\n");
      expect(readFileSync(join(after, "shot.json"), "utf8")).toBe("{}\n");
    });
  });

  it("a save, once it returns, survives a cut: the new file's bytes and its name", async () => {
    await FaultyFs.using({ powerCut: true }, async (fs) => {
      const path = join(fs.dir, "pyde1.sqlite3");
      const ps = await PersistentStore.open(await loadSqlJs(), FilePersistence.open(path, { mode: "write" }));
      ps.store.hkv.set("a", "b", "1");
      expect(await ps.save()).toBe(true);
      ps.store.hkv.set("a", "b", "2");
      expect(await ps.save()).toBe(true);
      const after = fs.afterPowerCut();
      expect(readFileSync(join(after, "pyde1.sqlite3")).equals(readFileSync(path))).toBe(true);
      expect(sqlite3(join(after, "pyde1.sqlite3"), "SELECT value FROM persist_hkv WHERE header='a'")).toBe("2");
      await ps.close();
    });
  });

  it("10 cuts: the file always checks ok, the recovery is a prefix within the fsync window, the end equals the fault-free recording", async () => {
    const r = await killLoop({ kills: 10, shots: 3, seed: 17, powerCut: true });
    console.log(`power cuts: ${loopSummary(r, "cut")}`);
    expectCleanLoop(r, "cut");
    expect(r.kills.some((k) => k.recovered >= 0 && k.lostAgeMs !== null)).toBe(true); // some cuts did lose the unsynced tail
  }, 170_000);
});
