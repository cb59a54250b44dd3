/**
 * A disk whose fsync is slow, as an SD card's is (a FUSE file system whose fsync waits on demand,
 * test/support/faulty-fs.ts). The journal's timed flush writes its block at once and fsyncs it on
 * libuv's thread pool:
 * - the event loop runs while the fsync waits, and records that come meanwhile wait for its answer,
 *   then go in one block of their own;
 * - a flush of its own (a save's) during that fsync makes that block durable too, and is reported
 *   once;
 * - an fsync that fails after its wait: the block is cut off the file and written again before the
 *   records that came meanwhile, in order, and the failure is reported once;
 * - `quiet()` resolves at that fsync's answer, before the next block is written; `settle()` also
 *   fsyncs what waits behind it; a recorder's background save begun meanwhile settles the journal
 *   before its own synchronous fsyncs.
 * The daemon serves one request at a time, so the test reads the journal from the backing folder
 * while an fsync waits: reading through the mount would wait behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Journal } from "../../src/store/persist/journal";
import { readJournal } from "../../src/store/persist/journal-format";
import { FaultyFs } from "../support/faulty-fs";
import { until } from "../support/until";
import { openDurable } from "../support/durable-run";
import { afterShot } from "../support/live-feed";
import { fileTables, referenceTables, syntheticMessages } from "../support/streams";

type Rec = { k: number };
/** How long each fsync waits: far longer than anything else the tests do meanwhile. */
const SLOW_MS = 400;

describe("when fsync is slow", () => {
  let fs: FaultyFs;
  beforeAll(async () => {
    fs = await FaultyFs.mount({ powerCut: true });
  });
  afterAll(async () => {
    await fs?.unmount();
  });

  /** A new journal on the slow file system; its fsync reports as waits (ms) and its write-error reports as "CODE WAITING" (null: writing again). */
  function slowJournal(name: string) {
    fs.healSync();
    fs.slowSync(0);
    const { journal } = Journal.open<Rec>(join(fs.dir, name), { fsyncMs: 100 });
    const synced: number[] = [];
    const reports: (string | null)[] = [];
    journal.onSynced = (ms) => synced.push(ms);
    journal.onWriteError = (e, waiting) => reports.push(e ? `${(e as NodeJS.ErrnoException).code} ${waiting}` : null);
    const backing = join(fs.backing, name);
    const headerBytes = statSync(backing).size;
    fs.slowSync(SLOW_MS);
    return {
      journal,
      synced,
      reports,
      /** the record numbers written to the file so far (read beside the mount, not through it) */
      written: () => readJournal<Rec>(backing)!.records.map((r) => r.n),
      /** whether anything beyond the header was written */
      anyWritten: () => statSync(backing).size > headerBytes,
    };
  }

  /** The header lines of the blocks in a journal (read beside the mount). */
  function blockHeads(name: string): string[] {
    return readFileSync(join(fs.backing, name), "latin1").split("\n").filter((l) => l.startsWith("#"));
  }

  /** A block header's first record number ("#CRC LENGTH FIRST"). */
  const firstRecord = (head: string) => Number(head.split(" ")[2]);

  it("a timed flush writes its block and fsyncs it off the event loop; records that come meanwhile wait for its answer and go in one block", async () => {
    const { journal, synced, written, anyWritten } = slowJournal("timed.journal");
    journal.append({ k: 1 });
    await until("the first block written", anyWritten, 5000, 5);
    // the event loop runs (this test does) while that block's fsync waits
    expect(written()).toEqual([1]);
    expect(synced).toEqual([]);
    expect(journal.waiting).toBe(1);
    for (let k = 2; k <= 4; k++) journal.append({ k });
    await new Promise((r) => setTimeout(r, SLOW_MS / 4));
    expect(written()).toEqual([1]); // not written while the fsync before them is in flight
    expect(synced).toEqual([]);
    expect(journal.waiting).toBe(4);
    await until("the first fsync's answer", () => synced.length === 1, 5000, 5);
    expect(synced[0]).toBeGreaterThanOrEqual(SLOW_MS * 0.9);
    await until("the second block's answer", () => synced.length === 2, 5000, 5);
    expect(written()).toEqual([1, 2, 3, 4]);
    expect(readJournal<Rec>(join(fs.backing, "timed.journal"))!.records.map((r) => r.e.k)).toEqual([1, 2, 3, 4]);
    expect(journal.waiting).toBe(0);
    expect(blockHeads("timed.journal").map(firstRecord)).toEqual([1, 2]); // two blocks: 1, then 2–4
    journal.close();
  });

  it("a flush of its own (a save's) while a timed flush's fsync waits: both blocks durable when it returns (a power cut keeps them), one report, and the late answer changes nothing", async () => {
    const { journal, synced, reports, written, anyWritten } = slowJournal("own.journal");
    journal.append({ k: 1 });
    await until("the first block written", anyWritten, 5000, 5);
    expect(synced).toEqual([]);
    journal.append({ k: 2 });
    journal.flush();
    expect(journal.waiting).toBe(0);
    expect(synced).toHaveLength(1); // the oldest record's wait, once for both blocks
    expect(written()).toEqual([1, 2]);
    const cut = fs.afterPowerCut();
    expect(readJournal<Rec>(join(cut, "own.journal"))!.records.map((r) => r.e.k)).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, SLOW_MS * 2)); // the timed flush's own answer comes meanwhile
    expect(synced).toHaveLength(1);
    expect(reports).toEqual([]);
    journal.append({ k: 3 });
    await until("the next block's answer", () => synced.length === 2, 5000, 5);
    expect(written()).toEqual([1, 2, 3]);
    expect(journal.bytes).toBe(statSync(join(fs.backing, "own.journal")).size);
    journal.close();
  });

  it("an fsync that fails after its wait while records wait behind it: the block is cut off, written again before them in one block, in order, and reported once", async () => {
    const { journal, synced, reports, written, anyWritten } = slowJournal("failing.journal");
    fs.failSync("failing.journal");
    for (let k = 1; k <= 10; k++) journal.append({ k });
    await until("the first block written", anyWritten, 5000, 5);
    for (let k = 11; k <= 20; k++) journal.append({ k });
    await until("the failure's report", () => reports.length === 1, 5000, 5);
    expect(reports).toEqual(["EIO 20"]);
    expect(journal.waiting).toBe(20);
    expect(written()).toEqual([]); // cut off: written bytes a failed fsync did not make durable
    expect(anyWritten()).toBe(false);
    fs.healSync();
    fs.slowSync(0);
    await until("the retry's answer", () => synced.length === 1, 5000, 5);
    expect(reports).toEqual(["EIO 20", null]);
    expect(journal.waiting).toBe(0);
    const after = readJournal<Rec>(join(fs.backing, "failing.journal"))!;
    expect(after.cutBytes).toBe(0);
    expect(after.records.map((r) => r.e.k)).toEqual([...Array(20).keys()].map((i) => i + 1));
    expect(after.records.map((r) => r.n)).toEqual([...Array(20).keys()].map((i) => i + 1));
    expect(blockHeads("failing.journal").map(firstRecord)).toEqual([1]); // one block
    journal.close();
  });

  it("quiet() resolves when the fsync in flight answers, before the next block is written", async () => {
    const { journal, synced, written, anyWritten } = slowJournal("quiet.journal");
    expect(journal.fsyncInFlight).toBe(false);
    journal.append({ k: 1 });
    await until("the first block written", anyWritten, 5000, 5);
    expect(journal.fsyncInFlight).toBe(true);
    journal.append({ k: 2 });
    await journal.quiet();
    expect(synced).toHaveLength(1);
    expect(journal.fsyncInFlight).toBe(false);
    expect(written()).toEqual([1]); // record 2's block not begun: a caller's synchronous fsync goes first
    journal.close();
    expect(written()).toEqual([1, 2]);
  });

  it("settle() writes and fsyncs what waits behind the fsync in flight at its answer, and resolves when nothing waits", async () => {
    const { journal, synced, written, anyWritten } = slowJournal("settle.journal");
    journal.append({ k: 1 });
    await until("the first block written", anyWritten, 5000, 5);
    for (let k = 2; k <= 5; k++) journal.append({ k });
    await journal.settle();
    expect(journal.waiting).toBe(0);
    expect(journal.fsyncInFlight).toBe(false);
    expect(synced).toHaveLength(2); // the block in flight, then one for the four behind it
    expect(written()).toEqual([1, 2, 3, 4, 5]);
    journal.append({ k: 6 });
    await journal.settle(); // nothing in flight: written and fsynced at once, not at its timer
    expect(synced).toHaveLength(3);
    expect(written()).toEqual([1, 2, 3, 4, 5, 6]);
    journal.close();
  });

  it("a recorder's background save asked for while the journal's fsync is in flight begins at its answer, and saves everything", async () => {
    fs.healSync();
    fs.slowSync(0);
    const messages = syntheticMessages({ shots: 2, seed: 11 });
    const one = afterShot(messages, 1);
    const db = join(fs.dir, "saved.sqlite3");
    const run = await openDurable(db, [], { fsyncMs: 100 });
    const next = join(fs.backing, "saved.sqlite3.journal.next");
    fs.slowSync(SLOW_MS);
    run.feed(messages.slice(0, one));
    await until("the journal's fsync in flight", () => run.ds.journal.fsyncInFlight, 5000, 5);
    const saving = run.ds.saveInBackground("test");
    await new Promise((r) => setTimeout(r, SLOW_MS / 4));
    expect(statSync(next, { throwIfNoEntry: false })).toBeUndefined(); // not begun behind the fsync in flight
    expect(await saving).toBe(true);
    fs.slowSync(0);
    await run.ds.close();
    expect(await fileTables(db)).toEqual(await referenceTables(messages.slice(0, one)));
  });
});
