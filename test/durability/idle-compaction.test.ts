/**
 * The journal while nothing is recorded (DurableStore and Journal on real files). pyDE1 publishes
 * shot samples, water levels and scale weights for hours between shots; none of it changes the
 * file, so no save rotates the journal. Past `compactBytes` the journal is compacted instead: its
 * warm records kept, the file left as it was. A restart after it, or after a crash in the middle
 * of it, must give exactly the tables of the fault-free recording once the rest is fed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readJournal } from "../../src/store/persist/journal-format";
import { RECORDER_CODEC } from "../../src/ingest/journal-codec";
import { scratch } from "../support/paths";
import { sqlite3 } from "../support/cli";
import { fileTables, referenceTables, syntheticMessages } from "../support/streams";
import { finishDurable, openDurable } from "../support/durable-run";
import { LiveFeed } from "../support/live-feed";
import { until } from "../support/until";
import { FaultyFs } from "../support/faulty-fs";

const messages = syntheticMessages({ shots: 3, seed: 5 });
const isGate = (i: number) => typeof messages[i].payload === "string" && (messages[i].payload as string).includes('"class": "SequencerGateNotification"');
/** just after shot 1's sequence_complete set */
const afterShot1 = messages.findIndex((m) => typeof m.payload === "string" && m.payload.includes('"sequence_complete", "action": "set"')) + 1;
/** the first gate after shot 1: everything before it is idle time */
const idleEnd = messages.findIndex((_, i) => i >= afterShot1 && isGate(i));
/** inside shot 2 */
const inShot2 = idleEnd + 400;
const LIMIT = 32 * 1024;

/** Shot 1 recorded and saved, then the idle time fed; returns the run, the file's bytes and the journal's size then. */
async function idleAfterShot1(db: string, log: string[]) {
  const run = await openDurable(db, log, { compactBytes: LIMIT });
  run.feed(messages.slice(0, afterShot1));
  expect(run.ds.save("first")).toBe(true);
  run.feed(messages.slice(afterShot1, idleEnd));
  run.ds.journal.flush();
  expect(run.recorder.openSequence).toBeNull();
  return { run, file: readFileSync(db), journal: readFileSync(`${db}.journal`) };
}

describe("the journal while nothing is recorded", () => {
  it("is compacted past its limit, the file left as it was; after a crash nothing is lost or doubled", async () => {
    const want = await referenceTables(messages);
    const db = join(scratch(), "db.sqlite3");
    const log: string[] = [];
    const { run, file, journal } = await idleAfterShot1(db, log);
    expect(journal.length).toBeGreaterThan(2 * LIMIT); // the idle time alone passes the limit

    expect(await run.ds.saveInBackground("interval")).toBe(false); // nothing to save: compacted instead
    expect(readFileSync(db)).toEqual(file);
    const compacted = readJournal(`${db}.journal`, RECORDER_CODEC)!;
    const mark = sqlite3(db, "SELECT value FROM persist_hkv WHERE header = 'pyde1-store' AND key = 'journal'");
    expect(compacted.file).toBe(mark);
    expect(compacted.base).toBe(run.ds.journal.lastSeq);
    expect(compacted.records.length).toBeGreaterThan(0); // the pre-roll, kept
    expect(compacted.records.every((r) => r.n <= compacted.base)).toBe(true);
    expect(statSync(`${db}.journal`).size).toBeLessThan(journal.length / 4);
    expect(log.some((l) => l.startsWith("info record: compacted"))).toBe(true);

    // shot 2 begins (its pre-roll reaches back before the compaction), then a crash
    run.feed(messages.slice(idleEnd, inShot2));
    expect(run.recorder.openSequence).not.toBeNull();
    run.crash();
    const { tables, recovery } = await finishDurable(db, messages.slice(inShot2));
    expect(recovery.primed).toBe(compacted.records.length);
    expect(recovery.replayed).toBe(inShot2 - idleEnd);
    expect(tables).toEqual(want);
  });

  it("a crash during the compaction, before its rename: the old journal stays in force", async () => {
    const want = await referenceTables(messages);
    const db = join(scratch(), "db.sqlite3");
    const { run, journal } = await idleAfterShot1(db, []);
    expect(await run.ds.saveInBackground("interval")).toBe(false);
    run.crash();
    // the files as they lay before the rename: the compacted journal written beside the old one
    renameSync(`${db}.journal`, `${db}.journal.next`);
    writeFileSync(`${db}.journal`, journal);
    const { tables, recovery } = await finishDurable(db, messages.slice(idleEnd));
    expect(recovery.replayed).toBe(idleEnd - afterShot1); // everything after the file's mark, once
    expect(tables).toEqual(want);
  });

  it("when the folder cannot be synced after the compaction's rename: said as an error; the next save syncs it, and a power cut then loses nothing", async () => {
    await FaultyFs.using({ powerCut: true }, async (cut) => {
      const db = join(cut.dir, "idle.sqlite3");
      const log: string[] = [];
      const run = await openDurable(db, log, { compactBytes: LIMIT });
      run.feed(messages.slice(0, afterShot1));
      expect(run.ds.save("first")).toBe(true);
      run.feed(messages.slice(afterShot1, idleEnd));
      cut.failSync("=/");
      expect(await run.ds.saveInBackground("interval")).toBe(false);
      cut.healSync();
      expect(cut.failedSyncs()).toEqual(["/"]);
      expect(log.filter((l) => l.startsWith("error"))).toEqual([
        `error record: compacted ${db}.journal, but ${cut.dir} could not be synced after (EIO): until the next save or compaction syncs it, ` +
          `a power cut may lose the events recorded since. Check the disk.`,
      ]);
      // the rest of the stream; its save syncs the folder; then the power fails
      run.feed(messages.slice(idleEnd));
      expect(run.ds.save("second")).toBe(true);
      run.ds.journal.flush();
      const after = cut.afterPowerCut();
      run.crash();
      expect(readdirSync(after).filter((n) => n.endsWith(".next"))).toEqual([]);
      const { tables } = await finishDurable(join(after, "idle.sqlite3"), []);
      expect(tables).toEqual(await referenceTables(messages));
    });
  });

  it("is compacted only once it has grown by the limit since its last rotation, with events the file's mark does not hold", async () => {
    const db = join(scratch(), "db.sqlite3");
    const log: string[] = [];
    const run = await openDurable(db, log, { compactBytes: 1024 }); // smaller than the warm records alone
    const compactions = () => log.filter((l) => l.startsWith("info record: compacted")).length;
    run.feed(messages.slice(0, afterShot1));
    expect(run.ds.save("first")).toBe(true);
    expect(statSync(`${db}.journal`).size).toBeGreaterThan(1024); // the warm records the save kept
    expect(await run.ds.saveInBackground("interval")).toBe(false);
    expect(compactions()).toBe(0); // nothing past the file's mark
    run.feed(messages.slice(afterShot1, afterShot1 + 20));
    expect(await run.ds.saveInBackground("interval")).toBe(false);
    expect(compactions()).toBe(1);
    expect(await run.ds.saveInBackground("interval")).toBe(false);
    expect(compactions()).toBe(1); // not grown since
    run.crash();
  });

  it("is not compacted while a sequence is being recorded", async () => {
    const db = join(scratch(), "db.sqlite3");
    const run = await openDurable(db, [], { compactBytes: LIMIT });
    run.feed(messages.slice(0, afterShot1));
    expect(run.ds.save("first")).toBe(true);
    run.feed(messages.slice(afterShot1, inShot2));
    run.ds.journal.flush();
    expect(run.recorder.openSequence).not.toBeNull();
    const size = statSync(`${db}.journal`).size;
    expect(size).toBeGreaterThan(2 * LIMIT);
    expect(await run.ds.saveInBackground("interval")).toBe(false);
    expect(statSync(`${db}.journal`).size).toBe(size);
    expect(readJournal(`${db}.journal`, RECORDER_CODEC)!.file).toBeUndefined();
    run.crash();
  });
});

describe("the journal while nothing is recorded, in the real record process", () => {
  let feed: LiveFeed;
  beforeAll(async () => {
    feed = await LiveFeed.start();
  });
  afterAll(async () => {
    await feed?.stop();
  });

  it("is compacted at an idle tick once past 8 MB; a kill -9 and a restart then lose or double nothing", async () => {
    // the idle time after shot 1, repeated until it makes more than 8 MB of journal
    const stretch = messages.slice(afterShot1, idleEnd);
    const bytes = stretch.reduce((n, m) => n + (m.payload as string).length + m.topic.length + 25, 0);
    const idle = Array.from({ length: Math.ceil((9 * 1024 * 1024) / bytes) }, () => stretch).flat();
    const want = await referenceTables([...messages.slice(0, afterShot1), ...idle, ...messages.slice(idleEnd)]);
    const db = join(scratch(), "db.sqlite3");
    const rec = await feed.record(db, ["--idle-save", "1"]);
    await feed.publish(messages.slice(0, afterShot1));
    // shot 1 complete and saved (by the sequence's end or by an idle tick, whichever came first)
    await until("shot 1 in the file", () => existsSync(db) && sqlite3(db, "SELECT count(*) FROM sequence WHERE end_sequence IS NOT NULL") === "1");
    const saved = readFileSync(db);
    await feed.publish(idle);
    await feed.sync(rec);
    await rec.waitFor(/record: compacted .* while idle/, 30_000);
    expect(statSync(`${db}.journal`).size).toBeLessThan(4 * 1024 * 1024);
    expect(readFileSync(db)).toEqual(saved); // nothing saved meanwhile: the idle time changed nothing
    // shot 2 begins, then the process is killed
    await feed.publish(messages.slice(idleEnd, inShot2));
    await feed.sync(rec);
    await new Promise((r) => setTimeout(r, 500)); // past the 100 ms fsync window: the kill may lose nothing
    await rec.signal("SIGKILL");
    const again = await feed.record(db);
    await feed.publish(messages.slice(inShot2));
    await feed.sync(again);
    await again.signal("SIGTERM");
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(await fileTables(db)).toEqual(want);
  }, 120_000);
});
