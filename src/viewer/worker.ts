/**
 * The viewer's Web Worker: holds the sql.js database so the page never freezes, and answers the
 * page's requests (see protocol.ts). sql.js' wasm is loaded from `sql-wasm.wasm` beside the page.
 */
import type { Database, SqlJsStatic } from "sql.js";
import { loadSqlJs } from "../store/sqljs";
import { applyWal } from "../store/wal";
import { asRollbackJournal, isSqlite } from "../store/store";
import { applyBlockDelta, readDeltaHeader } from "../store/block-delta";
import { fileImageOf } from "../store/sqljs-patches";
import { forgetKeptCopy, readKeptCopy, writeKeptCopy } from "./kept-copy";
import { inspectSchema } from "../store/schema";
import { SHOT_FORMATS, shotFileName, shotSeries } from "../export";
import { listSequences, profileInfo } from "./queries";
import { runSql } from "./sql-console-query";
import type { DownloadFile, OpenResult, RequestMessage, Requests, ResponseMessage } from "./protocol";

const scope = self as unknown as DedicatedWorkerGlobalScope;
let db: Database | null = null;
/**
 * The server's snapshot (`id`) the worker holds for a delta, when the page asked to keep it: a
 * delta patches its bytes, and the result is opened in place of `db`. `own` holds those bytes
 * apart when the open database's file may differ from them: before a restored copy is opened,
 * after the SQL console ran (it may write), or with an engine that has no `fileImage`. Otherwise
 * (null) the open database's file is the snapshot byte for byte, and the page holds it once: the
 * worker's sql.js takes the bytes it opens as its file (scripts/build.mjs, store/sqljs-patches.ts).
 */
let kept: { id: string; own: Uint8Array | null } | null = null;
/** Databases opened only so their file can be ATTACHed; kept open while attached. */
let attached: Database[] = [];

/** The open database's file as sql.js holds it (a view), or null when this engine cannot say. */
const fileOf = (d: Database | null): Uint8Array | null => (d ? fileImageOf(d) : null);

/** The bytes of the kept snapshot, or null when none is kept. */
function snapshotBytes(): Uint8Array | null {
  return kept ? (kept.own ?? fileOf(db)) : null;
}

/** Before the open database's file may change (the SQL console): the kept snapshot's bytes set apart. */
function setSnapshotApart(): void {
  if (kept && !kept.own) kept.own = fileOf(db)?.slice() ?? null;
}

/** Closes the open database and the ones attached to it. */
function closeDatabase(): void {
  db?.close();
  db = null;
  for (const a of attached) a.close();
  attached = [];
}

/** The engine, with the wasm file served beside the page. */
function engine(): Promise<SqlJsStatic> {
  return loadSqlJs(new URL("sql-wasm.wasm", scope.location.href).href);
}

// Loaded and compiled as the worker starts, while the page downloads the database, rather than
// after it; a failure is reported by the first request that needs the engine.
void engine().catch(() => {});

/** The open database, or an error telling the user to open one. */
function current(): Database {
  if (!db) throw new Error("no database is open: open a .sqlite3 file first");
  return db;
}

/** Database bytes with the `-wal` applied (when given) and a header sql.js can open. */
function prepare(name: string, dbBytes: ArrayBuffer, wal: ArrayBuffer | null): { bytes: Uint8Array; wal: string } {
  const bytes = new Uint8Array(dbBytes);
  if (!isSqlite(bytes)) throw new Error(`${name} is not an SQLite database (its first bytes are not "SQLite format 3")`);
  if (!wal) return { bytes: asRollbackJournal(bytes, true), wal: "none" };
  const result = applyWal(bytes, new Uint8Array(wal));
  return { bytes: result.bytes, wal: result.outcome === "applied" ? `applied ${result.framesApplied} frames` : result.outcome };
}

/** Opens prepared bytes in place of the open database (closing it and what is attached to it). */
async function openPrepared(name: string, bytes: Uint8Array, walOutcome: string): Promise<OpenResult> {
  const SQL = await engine();
  const next = new SQL.Database(bytes);
  try {
    next.exec("SELECT count(*) FROM sequence");
  } catch (e) {
    next.close();
    throw new Error(`${name} does not look like a pyDE1 database: ${(e as Error).message}`);
  }
  closeDatabase();
  db = next;
  const userVersion = Number(db.exec("PRAGMA user_version")[0].values[0][0]);
  let schemaVersion = userVersion;
  try {
    schemaVersion = inspectSchema(db, name).version; // pyDE1 2.0's v3 files say user_version 2
  } catch {
    // a version this code does not know: shown as the file says
  }
  return { name, bytes: bytes.length, userVersion, schemaVersion, wal: walOutcome, sequences: listSequences(db) };
}

const handlers: { [K in keyof Requests]: (arg: Requests[K]["arg"]) => Promise<Requests[K]["result"]> | Requests[K]["result"] } = {
  async open({ name, db: dbBytes, wal, keep }): Promise<OpenResult> {
    const prepared = prepare(name, dbBytes, wal);
    kept = null;
    const result = await openPrepared(name, prepared.bytes, prepared.wal);
    // the file is these bytes, unchanged by reading; an engine without a view of it copied them
    if (keep) kept = { id: keep, own: fileOf(db) ? null : prepared.bytes };
    return result;
  },
  async patch({ name, delta }): Promise<OpenResult> {
    const bytes = new Uint8Array(delta);
    const header = readDeltaHeader(bytes);
    const base = snapshotBytes();
    if (!kept || !base || kept.id !== header.base) {
      throw new Error(`the delta is for snapshot ${header.base}, and this page holds ${kept?.id ?? "none"}: load the whole database`);
    }
    // checked whole before a byte is written; patches `base` in place when the length stays
    const next = applyBlockDelta(base, bytes);
    kept = null; // until opened, no longer a snapshot the server knows
    // `base` may be the open database's own file, changed under it: that database is done with
    closeDatabase();
    const result = await openPrepared(name, asRollbackJournal(next, true), "none");
    kept = { id: header.snapshot, own: fileOf(db) ? null : next };
    return result;
  },
  async restore() {
    const copy = await readKeptCopy();
    if (!copy) return null;
    kept = { id: copy.id, own: copy.bytes };
    return { name: copy.name, hashes: copy.hashes.slice().buffer };
  },
  async persist({ id, name, hashes }) {
    const bytes = snapshotBytes();
    if (!kept || !bytes || kept.id !== id) return null; // the page has moved on: the next load keeps its own
    return writeKeptCopy({ id, name, bytes, hashes: new Uint8Array(hashes) });
  },
  async forget() {
    await forgetKeptCopy();
    return null;
  },
  sequences: () => listSequences(current()),
  shot: ({ id }) => shotSeries(current(), id),
  profile: ({ id }) => profileInfo(current(), id),
  download({ id, format }): DownloadFile {
    const d = current();
    const spec = SHOT_FORMATS[format];
    return { name: shotFileName(id, format), type: spec.type, text: spec.make(d, id, { partial: true }) };
  },
  sql: ({ sql, maxRows }) => {
    const d = current();
    setSnapshotApart(); // the console may write to the open database; a delta needs the snapshot as sent
    return runSql(d, sql, maxRows);
  },
  async attach({ schema, name, db: dbBytes, wal }) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) throw new Error(`'${schema}' is not a usable schema name: use letters, digits and _`);
    const SQL = await engine();
    const main = current();
    const prepared = prepare(name, dbBytes, wal);
    // sql.js writes a database's bytes to its in-memory file system as /<filename>; ATTACH that file.
    const holder = new SQL.Database(prepared.bytes) as Database & { filename?: string };
    if (!holder.filename) {
      holder.close();
      throw new Error("this sql.js build does not expose database file names; ATTACH is not available");
    }
    try {
      main.run(`ATTACH DATABASE ? AS "${schema}"`, [`/${holder.filename}`]);
    } catch (e) {
      holder.close();
      throw e;
    }
    attached.push(holder);
    const tables = Number(main.exec(`SELECT count(*) FROM "${schema}".sqlite_master WHERE type = 'table'`)[0].values[0][0]);
    return { schema, tables };
  },
};

/**
 * The requests that change what the worker holds, or read the kept snapshot's bytes across an
 * await (`persist` writes them to IndexedDB piece by piece): run one at a time, in the order they
 * came, so that a delta or the SQL console never changes bytes that are being kept. The others
 * only read the open database and answer at once.
 */
const ONE_AT_A_TIME = new Set<keyof Requests>(["open", "patch", "restore", "persist", "forget", "sql", "attach"]);
/** The last request of {@link ONE_AT_A_TIME} to have started (settled when it is done). */
let running: Promise<unknown> = Promise.resolve();

scope.onmessage = async (event: MessageEvent<RequestMessage>) => {
  const { id, kind, arg } = event.data;
  let reply: ResponseMessage;
  try {
    const handler = handlers[kind] as (a: unknown) => unknown;
    let result: Promise<unknown>;
    if (ONE_AT_A_TIME.has(kind)) {
      result = running.then(() => handler(arg));
      running = result.catch(() => null);
    } else {
      result = Promise.resolve(handler(arg));
    }
    reply = { id, ok: true, result: await result };
  } catch (e) {
    reply = { id, ok: false, error: (e as Error)?.message ?? String(e) };
  }
  scope.postMessage(reply);
};
