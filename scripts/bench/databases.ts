/**
 * Large benchmark databases, generated deterministically: synthetic 5-shot captures with seeds
 * 1, 2, 3 … (espresso shots, most followed by a short flush) recorded one after another (each starting a minute after the previous one ends) into
 * one Store until its page image passes each target size. Files are cached in bench-data/ as
 * `db-<MB>MB.sqlite3`, so reruns only read them.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSqlJs } from "../../src/store/sqljs";
import { Store } from "../../src/store/store";
import { Recorder } from "../../src/recorder/recorder";
import { readCapture } from "../../src/ingest/capture";
import { syntheticCapture } from "./synthetic-capture";
import { DATA, folder } from "./common";

/** The cached database file for a target size in MB (1 MB = 10^6 bytes). */
export function databasePath(mb: number): string {
  return join(DATA, `db-${mb}MB.sqlite3`);
}

/** What generation found, for the report. */
export interface GeneratedDb {
  mb: number;
  path: string;
  bytes: number;
  sequences: number;
  /** bytes per sequence (espresso and flush) */
  perSequence: number;
}

/** The page image size of an open database, without exporting it. */
function imageBytes(store: Store): number {
  const n = (sql: string) => Number(store.db.exec(sql)[0].values[0][0]);
  return n("PRAGMA page_count") * n("PRAGMA page_size");
}

/** Reports on a cached file (its sidecar `.json` holds the sequence count). */
function describe(mb: number): GeneratedDb {
  const path = databasePath(mb);
  const bytes = statSync(path).size;
  const meta = JSON.parse(readFileSync(`${path}.json`, "utf8")) as { sequences: number };
  return { mb, path, bytes, sequences: meta.sequences, perSequence: bytes / meta.sequences };
}

/**
 * Makes sure `db-<MB>MB.sqlite3` exists for every size (MB), generating the missing ones in one
 * pass. `log` gets progress lines.
 */
export async function ensureDatabases(sizes: number[], log: (line: string) => void = () => {}): Promise<GeneratedDb[]> {
  folder(DATA);
  const wanted = [...sizes].sort((a, b) => a - b);
  const missing = wanted.filter((mb) => !existsSync(databasePath(mb)) || !existsSync(`${databasePath(mb)}.json`));
  if (missing.length > 0) {
    const SQL = await loadSqlJs();
    const store = Store.create(SQL, "bench");
    const recorder = new Recorder(store);
    const started = performance.now();
    let start = 1700000000;
    let events = 0;
    let pending = [...missing];
    const largest = Math.max(...missing);
    for (let seed = 1; pending.length > 0; seed++) {
      let last = start;
      for (const event of readCapture([...syntheticCapture({ shots: 5, seed, start, flushes: true })].join("\n"))) {
        recorder.handle(event);
        last = event.time;
        events++;
      }
      recorder.close("shutdown");
      start = Math.ceil(last) + 60;
      const bytes = imageBytes(store);
      for (const mb of pending.filter((m) => bytes >= m * 1e6)) {
        const sequences = Number(store.db.exec("SELECT count(*) FROM sequence WHERE id != 'dummy'")[0].values[0][0]);
        const path = databasePath(mb);
        writeFileSync(`${path}.tmp`, store.export());
        renameSync(`${path}.tmp`, path);
        writeFileSync(`${path}.json`, JSON.stringify({ sequences, seeds: seed, events }) + "\n");
        log(`make-db: wrote ${path} (${(statSync(path).size / 1e6).toFixed(1)} MB, ${sequences} sequences, ${events} events, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
        pending = pending.filter((m) => m !== mb);
      }
      if (seed % 40 === 0) log(`make-db: ${(bytes / 1e6).toFixed(0)} / ${largest} MB after ${seed} captures`);
    }
    store.close();
  }
  return wanted.map(describe);
}
