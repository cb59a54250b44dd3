/**
 * The journal's exact boundary with the saved file, at unit level (DurableStore and Journal on
 * real files): a crash between the file's rename and the journal's swap, a crash just before the
 * file's rename (for a save that blocks, and for one that runs in the background while events go
 * on arriving), and a torn or corrupt journal tail. Each restart must give, once the rest of the
 * stream is fed, exactly the tables of the fault-free recording: no duplicate, no loss.
 */
import { describe, expect, it } from "vitest";
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, readJournal } from "../../src/store/persist/journal-format";
import { RECORDER_CODEC } from "../../src/ingest/journal-codec";
import { scratch } from "../support/paths";
import { fileTables, referenceTables, syntheticMessages } from "../support/streams";
import { finishDurable, openDurable } from "../support/durable-run";
import { sqlite3 } from "../support/cli";

const messages = syntheticMessages({ shots: 3, seed: 5 });
/** index just after the n-th sequence_complete set */
const afterShot = (n: number) => {
  let seen = 0;
  return messages.findIndex((m) => typeof m.payload === "string" && m.payload.includes('"sequence_complete", "action": "set"') && ++seen === n) + 1;
};

/** Feeds the rest from `from`, closes cleanly and returns the file's tables. */
const finish = (db: string, from: number, log: string[] = []) => finishDurable(db, messages.slice(from), log);

/**
 * Shot 1 recorded and saved, shot 2 recorded and saved again, then a crash; then the files are put
 * back as they lay between the second save's steps: its next journal written (`.journal.next`)
 * beside the old journal. Returns where shot 1 and shot 2 end, and the old file's bytes.
 */
async function crashedInSecondSave(db: string) {
  const a = afterShot(1);
  const b = afterShot(2);
  const run = await openDurable(db);
  run.feed(messages.slice(0, a));
  expect(run.ds.save("first")).toBe(true);
  run.feed(messages.slice(a, b));
  run.ds.journal.flush();
  const oldJournal = readFileSync(`${db}.journal`);
  const oldFile = readFileSync(db);
  expect(run.ds.save("second")).toBe(true);
  run.crash();
  renameSync(`${db}.journal`, `${db}.journal.next`);
  writeFileSync(`${db}.journal`, oldJournal);
  return { a, b, oldFile };
}

/**
 * Shot 1 recorded, then a background save begun and the next 300 events fed while it runs (the
 * journal flushed, as its fsync timer would); the save not awaited. Returns where shot 1 and the
 * fed events end, and the store's change count when the save began.
 */
async function savingWhileFed(db: string) {
  const a = afterShot(1);
  const mid = a + 300;
  const run = await openDurable(db);
  run.feed(messages.slice(0, a));
  const saving = run.ds.saveInBackground("first");
  expect(existsSync(`${db}.journal.next`)).toBe(true);
  const changesAtStart = run.ds.ps.store.changeCount;
  run.feed(messages.slice(a, mid)); // handled now: the save has not finished (it has not even written yet)
  run.ds.journal.flush();
  return { run, saving, a, mid, changesAtStart };
}

describe("the journal boundary", () => {
  it("a crash between the file's rename and the journal's swap: the next journal is used, nothing replayed twice", async () => {
    const want = await referenceTables(messages);
    const db = join(scratch(), "db.sqlite3");
    // the state between the two renames: new file, next journal beside the old journal
    const { b } = await crashedInSecondSave(db);
    const log: string[] = [];
    const { tables, recovery } = await finish(db, b, log);
    expect(recovery.replayed).toBe(0); // the file holds everything the old journal has
    expect(recovery.primed).toBeGreaterThan(0); // the pre-roll came back from the next journal
    expect(existsSync(`${db}.journal.next`)).toBe(false);
    expect(tables).toEqual(want);
  });

  it("a crash just before the file's rename: the next journal is discarded, the old journal replayed once", async () => {
    const want = await referenceTables(messages);
    const db = join(scratch(), "db.sqlite3");
    // the next journal was written, the file not yet replaced
    const { a, b, oldFile } = await crashedInSecondSave(db);
    writeFileSync(db, oldFile);
    const { tables, recovery } = await finish(db, b);
    expect(recovery.replayed).toBe(b - a);
    expect(existsSync(`${db}.journal.next`)).toBe(false);
    expect(tables).toEqual(want);
  });

  it("a background save: events go on being handled and journaled meanwhile, the file holds the database as the save began, nothing is lost or doubled", async () => {
    const want = await referenceTables(messages);
    const db = join(scratch(), "db.sqlite3");
    const { run, saving, a, mid, changesAtStart } = await savingWhileFed(db);
    expect(run.ds.ps.store.changeCount).toBe(changesAtStart); // held still under the save
    expect(await saving).toBe(true);
    expect(run.ds.ps.store.changeCount).toBeGreaterThan(changesAtStart); // the held writes, committed after it
    expect(await fileTables(db)).toEqual(await referenceTables(messages.slice(0, a)));
    const journal = readJournal(`${db}.journal`, RECORDER_CODEC)!;
    expect(journal.records.filter((r) => r.n > journal.base).length).toBe(mid - a); // the events of the save's time
    run.crash();
    const { tables, recovery } = await finish(db, mid);
    expect(recovery.replayed).toBe(mid - a);
    expect(tables).toEqual(want);
  });

  it("a crash during a background save, before the file's rename: the old journal, with what came during the save, is replayed once", async () => {
    const want = await referenceTables(messages);
    const db = join(scratch(), "db.sqlite3");
    const { run, saving, mid } = await savingWhileFed(db);
    // the files as they lie at the crash: the old file (none yet), the old journal, the next journal
    const atCrash = { journal: readFileSync(`${db}.journal`), next: readFileSync(`${db}.journal.next`) };
    expect(existsSync(db)).toBe(false);
    expect(await saving).toBe(true);
    run.crash();
    unlinkSync(db);
    writeFileSync(`${db}.journal`, atCrash.journal);
    writeFileSync(`${db}.journal.next`, atCrash.next);
    const { tables, recovery } = await finish(db, mid);
    expect(recovery.replayed).toBe(mid);
    expect(existsSync(`${db}.journal.next`)).toBe(false);
    expect(tables).toEqual(want);
  });

  it("a crash during a background save, between the file's rename and the journal's swap: the next journal, with what came during the save, is used", async () => {
    const want = await referenceTables(messages);
    const db = join(scratch(), "db.sqlite3");
    const { run, saving, a, mid } = await savingWhileFed(db);
    const oldJournal = readFileSync(`${db}.journal`);
    expect(await saving).toBe(true);
    run.crash();
    // the new file is in place; the next journal not yet renamed over the old one
    renameSync(`${db}.journal`, `${db}.journal.next`);
    writeFileSync(`${db}.journal`, oldJournal);
    const { tables, recovery } = await finish(db, mid);
    expect(recovery.replayed).toBe(mid - a);
    expect(existsSync(`${db}.journal.next`)).toBe(false);
    expect(tables).toEqual(want);
  });

  it("a crash mid-sequence with no save since: the open sequence is replayed and goes on recording", async () => {
    const want = await referenceTables(messages);
    const db = join(scratch(), "db.sqlite3");
    const a = afterShot(1);
    const mid = Math.floor((a + afterShot(2)) / 2) + 200;
    const run = await openDurable(db);
    run.feed(messages.slice(0, a));
    expect(run.ds.save("first")).toBe(true);
    run.feed(messages.slice(a, mid));
    expect(run.recorder.openSequence).not.toBeNull();
    expect(run.ds.save("mid-sequence")).toBe(false); // never in the middle of a sequence
    run.crash();
    const { tables, recovery } = await finish(db, mid);
    expect(recovery.replayed).toBe(mid - a);
    expect(tables).toEqual(want);
  });

  it("a torn or corrupt journal tail is cut off, logged, never fatal; what came before it is kept", async () => {
    const db = join(scratch(), "db.sqlite3");
    const a = afterShot(1);
    const k = a + 150;
    const run = await openDurable(db);
    run.feed(messages.slice(0, a));
    expect(run.ds.save("first")).toBe(true);
    run.feed(messages.slice(a, k));
    run.crash();
    const good = statSync(`${db}.journal`).size;
    const journal = readJournal(`${db}.journal`, RECORDER_CODEC)!;
    const lastN = journal.records.at(-1)!.n;
    // a record with a wrong checksum, then a torn one (no newline)
    const bad = JSON.stringify({ n: lastN + 1, e: { kind: "message", topic: "pyDE1/x", payload: "{}", time: 1 } });
    appendFileSync(`${db}.journal`, `${(crc32(bad) ^ 1).toString(16).padStart(8, "0")} ${bad}\n`);
    appendFileSync(`${db}.journal`, `${crc32(bad).toString(16).padStart(8, "0")} {"n":${lastN + 2},"e":{"kind":"mess`);
    const log: string[] = [];
    const run2 = await openDurable(db, log);
    expect(statSync(`${db}.journal`).size).toBe(good); // cut on disk too
    expect(run2.recovery.cutBytes).toBeGreaterThan(0);
    expect(run2.recovery.replayed).toBe(k - a);
    expect(log.some((l) => l.startsWith("warn") && l.includes("torn or corrupt tail") && l.includes(`${db}.journal`))).toBe(true);
    // recording goes on after the cut; a later restart reads every record
    run2.feed(messages.slice(k));
    run2.crash();
    const { tables, recovery } = await finish(db, messages.length);
    expect(recovery.cutBytes).toBe(0);
    expect(tables).toEqual(await referenceTables(messages));
  });

  it("a journal whose first line is torn is set aside, not overwritten, and recording starts", async () => {
    const db = join(scratch(), "db.sqlite3");
    const run = await openDurable(db);
    run.feed(messages.slice(0, 50));
    expect(run.ds.save("first")).toBe(true);
    run.crash();
    writeFileSync(`${db}.journal`, '{"journal":"abc","ba');
    const log: string[] = [];
    const run2 = await openDurable(db, log);
    const aside = log.find((l) => l.includes("no readable header"));
    expect(aside, log.join("\n")).toMatch(/^warn .*moved it to .*\.journal\.unreadable-\d+/);
    const asidePath = /moved it to (\S+) and/.exec(aside!)![1];
    expect(readFileSync(asidePath, "utf8")).toBe('{"journal":"abc","ba');
    run2.feed(messages.slice(50, 60));
    await run2.ds.close();
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(readJournal(`${db}.journal`, RECORDER_CODEC)?.records.length).toBeGreaterThan(0);
  });
});
