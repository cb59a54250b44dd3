/**
 * A recorder on a durable file, wired as the live job wires it, for tests of the journal's
 * boundary with the saved file: feed events, crash (drop it without closing), reopen and finish.
 */
import { unlinkSync } from "node:fs";
import { expect } from "vitest";
import { loadSqlJs } from "../../src/store/sqljs";
import { DurableStore, type DurableOptions } from "../../src/ingest/durable-store";
import { Recorder } from "../../src/recorder/recorder";
import type { MessageEvent } from "../../src/recorder/events";
import { sqlite3 } from "./cli";
import { fileTables } from "./streams";

/** Opens `db` durably (fsync window 20 ms unless `options` says otherwise) with a recorder attached. */
export async function openDurable(db: string, log: string[] = [], options: DurableOptions = {}) {
  const ds = await DurableStore.open(await loadSqlJs(), db, { fsyncMs: 20, log: (l, m) => log.push(`${l} ${m}`), ...options });
  const recorder = new Recorder(ds.ps.store, { onAccepted: (e) => ds.accepted(e) });
  const recovery = await ds.attach(recorder);
  const feed = (events: MessageEvent[]) => {
    for (const e of events) recorder.handle(e);
    recorder.flush();
  };
  /** a crash: the journal's appends are flushed (as its fsync timer would), nothing else happens; the lock is left by a dead process */
  const crash = () => {
    ds.journal.close();
    ds.ps.store.close();
    unlinkSync(`${db}.lock`);
  };
  return { ds, recorder, recovery, feed, crash };
}

/** Reopens `db`, feeds `rest`, closes cleanly and returns the file's tables (checked by sqlite3's integrity_check) and what recovery found. */
export async function finishDurable(db: string, rest: MessageEvent[], log: string[] = []) {
  const run = await openDurable(db, log);
  run.feed(rest);
  await run.ds.close();
  expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
  return { tables: await fileTables(db), recovery: run.recovery };
}
