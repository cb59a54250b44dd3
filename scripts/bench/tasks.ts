/**
 * The measured work, each run in its own child process by the harness (main.ts) so that runs do
 * not share heaps, JIT state or peak RSS. Each task prints one JSON line on stdout.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawn } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadNodeSqlJs as loadSqlJs } from "../../src/store/persist/sqljs-node";
import { Store } from "../../src/store/store";
import { warmUp } from "../../src/store/warm-up";
import { PersistentStore } from "../../src/store/persistent-store";
import { FilePersistence } from "../../src/store/persist/file";
import { Journal } from "../../src/store/persist/journal";
import { RECORDER_CODEC } from "../../src/ingest/journal-codec";
import { DurableStore } from "../../src/ingest/durable-store";
import { Recorder } from "../../src/recorder/recorder";
import { readCapture } from "../../src/ingest/capture";
import { captureFileEvents } from "../../src/ingest/capture-file";
import type { RecorderEvent } from "../../src/recorder/events";
import { legacyShotFile } from "../../src/export/legacy-shot";
import { CLASS_BY_NAME, columnsOf, NOTIFICATION_TABLES, type NotificationClass } from "../../src/catalog";
import type { SqlValue } from "sql.js";
import { median, quantile, since } from "./common";
import { betterSqlite3, nativeEngine } from "./native-engine";
import { fsyncPath } from "../../src/store/persist/fsync-path";

const print = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Recorder ingest in-process: read the capture, JSON-parse, buffers, inserts, and every accepted
 * event appended to a real Journal (default 100 ms fsync window; the event loop is given a turn
 * every 500 events so its timer fires as it would live). Ends with a commit and a journal flush.
 * sql.js is compiled and warmed up as the live recorder does it (optimized code, see sqljs-node.ts
 * and warm-up.ts; both before the clock starts, as they happen at the recorder's start-up). `mode`
 * "no-journal", "parsed" (capture read untimed), "baseline" (sql.js compiled as commands that end
 * compile it) or "native" (the same Store, recorder and journal on better-sqlite3 in memory, from
 * `depsDir`) give the breakdown.
 */
async function ingest(capturePath: string, mode = "full", depsDir = ""): Promise<void> {
  // "steady": the same ingest three times in this process, fresh store and journal each time, and
  // the last pass reported: a recorder runs for days, so its JIT-warm rate is what it sustains.
  // Every pass's rate is printed too (`passRates`): how far the JIT has come after one and two passes.
  const passes = mode === "steady" ? 3 : 1;
  const figures: IngestFigures[] = [];
  for (let pass = 1; pass <= passes; pass++) figures.push(await ingestOnce(capturePath, mode, depsDir));
  print({ ...figures[passes - 1], ...(passes > 1 ? { passRates: figures.map((f) => f.rate) } : {}) });
}

/** What one ingest pass measured. */
interface IngestFigures {
  notifications: number;
  rows: number;
  ms: number;
  rate: number;
  fsyncs: number;
  journalBytes: number;
}

/** One ingest pass (see {@link ingest}). */
async function ingestOnce(capturePath: string, mode: string, depsDir: string): Promise<IngestFigures> {
  // the live recorder's engine (optimized code), or with "baseline" the one-shot commands' engine,
  // or with "native" better-sqlite3 in memory under the same Store (bench only, native-engine.ts)
  const SQL = mode === "native" ? nativeEngine(depsDir) : await loadSqlJs(mode === "baseline" ? "baseline" : "optimized");
  if (mode !== "baseline") warmUp(SQL); // as the live recorder starts (untimed, like the store's creation)
  const dir = mkdtempSync(join(tmpdir(), "bench-ingest-"));
  try {
    const store = Store.create(SQL, "bench");
    const { journal } = Journal.open<RecorderEvent>(join(dir, "db.journal"), { codec: RECORDER_CODEC });
    let fsyncs = 0;
    journal.onSynced = () => fsyncs++;
    const recorder = new Recorder(store, mode === "no-journal" ? {} : { onAccepted: (e) => journal.append(e) });
    // breakdown modes: "no-journal" (nothing appended), "parsed" (capture read before the clock starts)
    const preRead = mode === "parsed" ? [...captureFileEvents(capturePath)] : null;
    const t0 = performance.now();
    let messages = 0;
    for (const event of preRead ?? captureFileEvents(capturePath)) {
      if (event.kind === "message") messages++;
      recorder.handle(event);
      if (messages % 500 === 0) await tick();
    }
    recorder.close("shutdown");
    journal.close();
    const ms = since(t0);
    return { notifications: messages, rows: notificationRows(store), ms, rate: (messages / ms) * 1000, fsyncs, journalBytes: statSync(join(dir, "db.journal")).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rows in the store's 13 notification tables together. */
function notificationRows(store: Store): number {
  const counts = store.tableCounts();
  return NOTIFICATION_TABLES.reduce((a, t) => a + (counts[t] ?? 0), 0);
}

/** A notification row our recorder wrote: its class and its values. */
type Row = { cls: NotificationClass; values: SqlValue[] };

/** The notification rows our recorder writes for a capture, in write order. */
async function rowsOf(capturePath: string): Promise<Row[]> {
  const SQL = await loadSqlJs("optimized"); // the engine of the insert-only run that follows
  const store = Store.create(SQL, "bench");
  const rows: Row[] = [];
  const insert = store.notifications.insert.bind(store.notifications);
  store.notifications.insert = (cls, values) => {
    rows.push({ cls, values: [...values] });
    insert(cls, values);
  };
  const recorder = new Recorder(store);
  for (const event of readCapture(readFileSync(capturePath))) recorder.handle(event);
  recorder.close("shutdown");
  store.close();
  return rows;
}

/**
 * Ours, insert only: the exact rows our recorder wrote for the capture (pre-extracted, untimed)
 * inserted through the store (sql.js, its file in memory) in 100-row transactions, in a fresh
 * store: the like-for-like twin of better-sqlite3's "insert only".
 */
async function insertOnly(capturePath: string): Promise<void> {
  const rows = await rowsOf(capturePath);
  const SQL = await loadSqlJs("optimized");
  const store = Store.create(SQL, "bench");
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += 100) {
    store.transaction(() => {
      for (let k = i; k < Math.min(rows.length, i + 100); k++) store.notifications.insert(rows[k].cls, rows[k].values);
    });
  }
  const ms = since(t0);
  const stored = notificationRows(store);
  if (stored !== rows.length) throw new Error(`insert only: ${stored} rows stored, ${rows.length} expected`);
  store.close();
  print({ rows: rows.length, ms, rowRate: (rows.length / ms) * 1000 });
}

/**
 * better-sqlite3 on a WAL-mode file, 100-row transactions. Two figures: "parse" — it reads the
 * same capture (JSON parse of line and payload, recording between the sequence_start and
 * sequence_complete gates, like the Python pattern); "insert" — the exact rows our recorder wrote,
 * pre-extracted, inserted only.
 */
async function native(capturePath: string, schemaPath: string, depsDir: string): Promise<void> {
  const Database = betterSqlite3<{
    pragma(s: string): unknown;
    exec(s: string): void;
    prepare(s: string): { run(...v: unknown[]): unknown };
    transaction<T extends unknown[]>(f: (...a: T) => void): (...a: T) => void;
    close(): void;
  }>(depsDir);
  const dir = mkdtempSync(join(tmpdir(), "bench-native-"));
  const schema = readFileSync(schemaPath, "utf8");
  const open = (name: string) => {
    const db = new Database(join(dir, name));
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = OFF"); // better-sqlite3 turns them on; pyDE1 never enforces them
    db.exec(schema);
    const statements = new Map<string, { run(...v: unknown[]): unknown }>();
    for (const cls of CLASS_BY_NAME.values()) {
      const cols = columnsOf(cls);
      statements.set(cls.table, db.prepare(`INSERT INTO ${cls.table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`));
    }
    return { db, statements };
  };
  try {
    // parse + insert
    const a = open("parse.sqlite3");
    const t0 = performance.now();
    const text = readFileSync(capturePath, "utf8");
    let batch: [string, unknown[]][] = [];
    const commit = a.db.transaction((rows: [string, unknown[]][]) => {
      for (const [table, values] of rows) a.statements.get(table)!.run(values);
    });
    let messages = 0;
    let rowsA = 0;
    let recording: string | null = null;
    for (const line of text.split("\n")) {
      if (!line) continue;
      const event = JSON.parse(line) as { topic?: string; payload?: string };
      if (event.payload === undefined) continue;
      const p = JSON.parse(event.payload) as Record<string, unknown>;
      const cls = CLASS_BY_NAME.get(String(p.class));
      if (!cls) continue;
      messages++;
      let stop = false;
      if (cls.name === "SequencerGateNotification" && p.action === "set") {
        if (p.name === "sequence_start") recording = String(p.sequence_id);
        else if (p.name === "sequence_complete") stop = true;
      }
      if (recording === null) continue;
      const values: unknown[] = [recording];
      for (const c of columnsOf(cls).slice(1)) {
        const v = p[c];
        values.push(v === undefined ? null : typeof v === "boolean" ? (v ? 1 : 0) : Array.isArray(v) ? JSON.stringify(v) : v);
      }
      batch.push([cls.table, values]);
      rowsA++;
      if (batch.length === 100) {
        commit(batch);
        batch = [];
      }
      if (stop) recording = null;
    }
    if (batch.length) commit(batch);
    const parseMs = since(t0);
    a.db.close();

    // insert only: the rows our recorder wrote
    const rows = await rowsOf(capturePath);
    const b = open("insert.sqlite3");
    const insertAll = b.db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) b.statements.get(rows[i].cls.table)!.run(rows[i].values);
    });
    const t1 = performance.now();
    for (let i = 0; i < rows.length; i += 100) insertAll(i, Math.min(rows.length, i + 100));
    const insertMs = since(t1);
    b.db.close();
    print({ notifications: messages, rowsParse: rowsA, parseMs, parseRate: (messages / parseMs) * 1000, rowsInsert: rows.length, insertMs, insertRowRate: (rows.length / insertMs) * 1000, insertNotificationRate: (messages / insertMs) * 1000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Save of a database file (a copy the harness made): open it for writing, mark it changed, then
 * time taking the file image (Store.fileImage: a view, no copy, with Node's engine) → temp file →
 * fsync → rename → fsync folder (FilePersistence.save). `how` "cached" writes through the page
 * cache (FilePersistence.direct false), as saves were written before session 5.
 */
async function save(path: string, how = "direct"): Promise<void> {
  const SQL = await loadSqlJs();
  const t0 = performance.now();
  const file = FilePersistence.open(path, { mode: "write" });
  file.direct = how !== "cached"; // "cached": through the page cache, as saves were written before session 5
  const ps = await PersistentStore.open(SQL, file);
  const openMs = since(t0);
  ps.store.markChanged();
  const t1 = performance.now();
  let bytes: Uint8Array | null = ps.store.fileImage();
  const exportMs = since(t1);
  const t2 = performance.now();
  await ps.persistence.save(bytes);
  const writeMs = since(t2);
  bytes = null;
  const rssAfter = process.memoryUsage().rss;
  await ps.persistence.close();
  ps.store.close();
  print({ bytes: statSync(path).size, openMs, exportMs, writeMs, saveMs: exportMs + writeMs, directBytes: file.lastSaveDirectBytes, rssAfter, maxRssKb: process.resourceUsage().maxRSS });
}

/** Baseline RSS: node + sql.js + an empty database opened and saved (the fixed overhead). */
async function emptySave(dir: string): Promise<void> {
  const SQL = await loadSqlJs();
  const ps = await PersistentStore.open(SQL, FilePersistence.open(join(dir, "empty.sqlite3"), { mode: "write" }));
  await ps.save();
  await ps.close();
  print({ maxRssKb: process.resourceUsage().maxRSS });
}

/** Opening a database as a reader (load, apply -wal, open, first query), or fs.readFile of it: `which` says which; one per process. */
async function open(path: string, which: string): Promise<void> {
  const SQL = await loadSqlJs();
  const out: Record<string, number> = {};
  const readFile = async () => {
    const t = performance.now();
    const b = await fsp.readFile(path);
    out.readFileMs = since(t);
    out.bytes = b.length;
  };
  const ours = async () => {
    const t = performance.now();
    const file = FilePersistence.open(path, { mode: "read" });
    const ps = await PersistentStore.open(SQL, file, { upgrade: false });
    out.loadOpenMs = since(t);
    const latest = ps.store.sequences.latest();
    out.openMs = since(t);
    out.walFrames = file.walFramesApplied;
    out.latestIsWalSequence = latest?.id === "bench-wal-sequence" ? 1 : 0;
    ps.store.close();
  };
  if (which === "readfile") await readFile();
  else if (which === "ours") await ours();
  else throw new Error(`open: say "ours" or "readfile", not ${which}`);
  print(out);
}

/**
 * The first write after opening a large database, as a recorder's first shot after a restart: 300
 * shot rows in one transaction, which extends the file. Reports the commit's time and the peak RSS
 * before and after it (sql.js alone copied the whole file into a larger buffer here).
 */
async function firstWrite(path: string): Promise<void> {
  const SQL = await loadSqlJs();
  const ps = await PersistentStore.open(SQL, FilePersistence.open(path, { mode: "read" }), { upgrade: false });
  const openMaxRssKb = process.resourceUsage().maxRSS;
  const before = ps.store.fileImage().length;
  const t = performance.now();
  ps.store.transaction(() => ps.store.db.exec("INSERT INTO shot_sample_with_volume_update SELECT * FROM shot_sample_with_volume_update ORDER BY rowid DESC LIMIT 300"));
  const ms = since(t);
  print({ ms, bytes: before, grownBy: ps.store.fileImage().length - before, openMaxRssKb, maxRssKb: process.resourceUsage().maxRSS });
  ps.store.close();
}

/**
 * Durability window, on the live recorder's own DurableStore (journal, background saves as a
 * sequence ends): the capture's events fed at `rate` a second for `seconds`; per accepted event,
 * the time from its arrival (when a socket would have delivered it: its place in the schedule, so
 * an event that waited for a busy main thread counts that wait) to the fsync that covered it.
 * `startDb` ("-" for a new database) is copied first: a save of a realistic file takes long
 * enough to matter. The window starts half its length before the first sequence ends (at the DE1
 * rate, 10 s would otherwise hold no save).
 */
async function durability(capturePath: string, rate: number, seconds: number, startDb = "-"): Promise<void> {
  const SQL = await loadSqlJs("optimized"); // as the live recorder
  const dir = mkdtempSync(join(tmpdir(), "bench-durability-"));
  try {
    const db = join(dir, "db.sqlite3");
    if (startDb !== "-") {
      copyFileSync(startDb, db);
      // on disk before the clock starts, as a recorder's file is: else the copy's 100 MB of dirty
      // pages are written back during the run, and the journal's fsyncs wait behind them
      fsyncPath(db);
    }
    const ds = await DurableStore.open(SQL, db, { fsyncMs: 100 });
    warmUp(SQL); // as the live recorder starts
    // each journaled message's arrival and sequence number, oldest first, until an fsync covers it
    const received: { seq: number; at: number }[] = [];
    let head = 0;
    const latencies: number[] = [];
    const oldest: number[] = [];
    ds.journal.onSynced = (waited, through) => {
      const now = performance.now();
      while (head < received.length && received[head].seq <= through) latencies.push(now - received[head++].at);
      oldest.push(waited);
    };
    let arrival = 0;
    let saves = 0;
    let saveMs = 0;
    let pendingSave = false;
    const recorder = new Recorder(ds.ps.store, {
      onAccepted: (e) => {
        ds.accepted(e);
        received.push({ seq: ds.journal.lastSeq, at: arrival });
      },
      onSequenceEnd: () => {
        pendingSave = true;
      },
    });
    await ds.attach(recorder);
    const all = [...readCapture(readFileSync(capturePath))];
    const firstEnd = all.findIndex((e) => e.kind === "message" && typeof e.payload === "string" && e.payload.includes('"sequence_complete", "action": "set"'));
    const from = Math.max(0, firstEnd - Math.round((rate * seconds) / 2));
    const total = Math.min(all.length - from, Math.round(rate * seconds));
    // only the events fed are kept: a live recorder's heap holds no capture, and the whole one
    // (28,601 events) made each full GC several times longer than the recorder's own
    const events = all.slice(from, from + total);
    all.length = 0;
    // how long the event loop stood still (a fsync or a save's step on the main thread): what a
    // broker's keep-alive or a viewer page served by the same process waits for meanwhile
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const t0 = performance.now();
    for (let i = 0; i < total; ) {
      // always give the event loop a turn (as socket reads would): the journal's timer must run
      const wait = t0 + (i * 1000) / rate - performance.now();
      await sleep(Math.max(1, wait));
      const now = performance.now();
      while (i < total && t0 + (i * 1000) / rate <= now + 0.5) {
        arrival = t0 + (i * 1000) / rate;
        recorder.handle(events[i++]);
      }
      if (pendingSave) {
        pendingSave = false;
        const t = performance.now();
        void ds.saveInBackground("sequence end").then((wrote) => {
          if (!wrote) return;
          saves++;
          saveMs = Math.max(saveMs, since(t));
        });
      }
    }
    await sleep(150); // the last window closes
    loopDelay.disable();
    await ds.close();
    const bytes = statSync(db).size;
    print({ rate, seconds, bytes, messages: latencies.length, fsyncs: oldest.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(...latencies), saves, longestSaveMs: saveMs, medianOldest: median(oldest), loopP99: loopDelay.percentile(99) / 1e6, loopMax: loopDelay.max / 1e6 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The legacy shot file for one sequence: the first call, then the median of `reps` runs after 100
 * warm-ups (as `legacy_shot.py` does); the db already open. V8 optimizes the exporter's functions
 * over its first ~60 calls, with stalls of 5–17 ms among them: after only 20 warm-ups they fell
 * inside the measured runs.
 */
async function legacy(path: string, sequenceId: string, reps: number, outPath: string): Promise<void> {
  const SQL = await loadSqlJs();
  const store = Store.open(SQL, readFileSync(path), { file: path, upgrade: false });
  let t = performance.now();
  let text = legacyShotFile(store.db, sequenceId);
  const firstMs = since(t);
  for (let i = 0; i < 100; i++) text = legacyShotFile(store.db, sequenceId);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    t = performance.now();
    text = legacyShotFile(store.db, sequenceId);
    times.push(since(t));
  }
  writeFileSync(outPath, text);
  print({ ms: median(times), min: Math.min(...times), firstMs, bytes: Buffer.byteLength(text) });
  store.close();
}

/**
 * The live recorder's start-up: `start` (record + viewer) on a new database in DIR, from spawning
 * the built CLI until it prints the viewer's address (the database is open and its schema made by
 * then). The broker is a closed loopback port: start-up does not wait for it.
 */
async function startup(cli: string, dir: string): Promise<void> {
  const db = join(mkdtempSync(join(dir, "startup-")), "db.sqlite3");
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, "start", "--db", db, "--port", "0", "--broker", "mqtt://127.0.0.1:1"], { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  const ms = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      if (/serving http:/.test(out)) resolve(since(t0));
    });
    child.on("exit", (code) => reject(new Error(`start exited (${code}) before serving: ${out}`)));
  });
  child.removeAllListeners("exit");
  const exited = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await exited;
  rmSync(dirname(db), { recursive: true, force: true });
  print({ ms });
}

/** Runs the task named in argv. */
export async function runTask(args: string[]): Promise<void> {
  const [task, ...rest] = args;
  switch (task) {
    case "ingest":
      return ingest(rest[0], rest[1], rest[2]);
    case "native":
      return native(rest[0], rest[1], rest[2]);
    case "insert":
      return insertOnly(rest[0]);
    case "save":
      return save(rest[0], rest[1]);
    case "empty-save":
      return emptySave(rest[0]);
    case "open":
      return open(rest[0], rest[1]);
    case "first-write":
      return firstWrite(rest[0]);
    case "durability":
      return durability(rest[0], Number(rest[1]), Number(rest[2]), rest[3]);
    case "startup":
      return startup(rest[0], rest[1]);
    case "legacy":
      return legacy(rest[0], rest[1], Number(rest[2]), rest[3]);
    default:
      throw new Error(`unknown task ${task}`);
  }
}
