/**
 * The viewer's Web Worker: holds the sql.js database so the page never freezes, and answers the
 * page's requests (see protocol.ts). sql.js' wasm is loaded from `sql-wasm.wasm` beside the page.
 */
import type { Database, SqlJsStatic } from "sql.js";
import { loadSqlJs } from "../store/sqljs";
import { applyWal } from "../store/wal";
import { asRollbackJournal, isSqlite } from "../store/store";
import { applyBlockDelta, readDeltaHeader } from "../store/block-delta";
import { forgetKeptCopy, readKeptCopy, writeKeptCopy } from "./kept-copy";
import { inspectSchema } from "../store/schema";
import { SHOT_FORMATS, shotFileName, shotSeries } from "../export";
import { listSequences, profileInfo } from "./queries";
import { runSql } from "./sql-console-query";
import type { DownloadFile, OpenResult, RequestMessage, Requests, ResponseMessage } from "./protocol";

const scope = self as unknown as DedicatedWorkerGlobalScope;
let db: Database | null = null;
/**
 * The bytes of the open database as the server sent them (snapshot `id`), when the page asked to
 * keep them: a delta from the server patches these, and the result is opened in place of `db`.
 */
let kept: { id: string; bytes: Uint8Array } | null = null;
/** Databases opened only so their file can be ATTACHed; kept open while attached. */
let attached: Database[] = [];

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
  db?.close();
  for (const a of attached) a.close();
  attached = [];
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
    const result = await openPrepared(name, prepared.bytes, prepared.wal);
    // sql.js copied the bytes into its own file; these stay as they came, for a later patch
    kept = keep ? { id: keep, bytes: prepared.bytes } : null;
    return result;
  },
  async patch({ name, delta }): Promise<OpenResult> {
    const bytes = new Uint8Array(delta);
    const header = readDeltaHeader(bytes);
    if (!kept || kept.id !== header.base) {
      throw new Error(`the delta is for snapshot ${header.base}, and this page holds ${kept?.id ?? "none"}: load the whole database`);
    }
    const next = applyBlockDelta(kept.bytes, bytes);
    kept = null; // patched in place or replaced: until opened, no longer a snapshot the server knows
    const result = await openPrepared(name, asRollbackJournal(next, true), "none");
    kept = { id: header.snapshot, bytes: next };
    return result;
  },
  async restore() {
    const copy = await readKeptCopy();
    if (!copy) return null;
    kept = { id: copy.id, bytes: copy.bytes };
    return { name: copy.name, hashes: copy.hashes.slice().buffer };
  },
  async persist({ id, name, hashes }) {
    if (!kept || kept.id !== id) return false; // the page has moved on: the next load keeps its own
    await writeKeptCopy({ id, name, bytes: kept.bytes, hashes: new Uint8Array(hashes) });
    return true;
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
  sql: ({ sql, maxRows }) => runSql(current(), sql, maxRows),
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

scope.onmessage = async (event: MessageEvent<RequestMessage>) => {
  const { id, kind, arg } = event.data;
  let reply: ResponseMessage;
  try {
    const handler = handlers[kind] as (a: unknown) => unknown;
    reply = { id, ok: true, result: await handler(arg) };
  } catch (e) {
    reply = { id, ok: false, error: (e as Error)?.message ?? String(e) };
  }
  scope.postMessage(reply);
};
