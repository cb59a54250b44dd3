/**
 * Putting a backup back in place of a database file (Node only), without losing anything.
 *
 * The backup is read first (gunzipped when it is gzip; a plain file with any `-wal` beside it
 * applied) and checked: SQLite, `PRAGMA integrity_check` ok, pyDE1's tables. Only then is the
 * file opened for writing, which takes its lock and refuses it while another writer has it (a live
 * recorder's lock, or pyDE1's `-wal`/`-shm`). The file it replaces is copied to
 * `<file>.<YYYY-MM-DD_HHMMSS>.backup`, and its journals are moved beside that copy under the same
 * name, so the two stay a pair the recorder can open (`--db` that copy) with nothing lost. Then the
 * backup's bytes replace the file the way every save does: temp file, fsync, rename (mode and owner
 * kept), fsync of the folder.
 *
 * The order keeps a crash at any point safe: the file at the path is always the old one or the
 * restored one, and the old journal is never beside the restored file, where the next start would
 * replay it into the wrong database.
 */
import { existsSync, renameSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { SqlJsStatic } from "sql.js";
import { backupPath, FilePersistence, readDatabaseFile } from "../store/persist/file";
import { fsyncPath } from "../store/persist/fsync-path";
import { asRollbackJournal, isSqlite } from "../store/store";
import { inspectSchema } from "../store/schema";
import { ForeignWriterError, LockedError, NotPyde1Error, SchemaVersionError, StoreError } from "../store/errors";
import { integrityProblems } from "../store/integrity";
import { journalPaths } from "./durable-store";

/** A restore that cannot be done; the message names the file, the problem and the fix. Nothing was changed. */
export class RestoreError extends Error {
  override name = "RestoreError";
}

/** A backup read and checked, ready to be put in place. */
export interface CheckedBackup {
  /** the database image to write (a rollback-journal file: header bytes 18–19 = 1, 1) */
  bytes: Uint8Array;
  /** the schema version its tables are */
  schemaVersion: number;
  /** sequences in it, not counting pyDE1's 'dummy' seed row */
  sequences: number;
  /** the newest sequence's start, epoch seconds; null when there is none */
  newestStart: number | null;
}

/** What {@link restoreDatabase} did. */
export interface RestoreResult extends Omit<CheckedBackup, "bytes"> {
  /** the restored file's absolute path */
  path: string;
  /** where the file it replaced was copied, or null when there was no file */
  keptAs: string | null;
  /** the journals moved beside that copy (their new paths) */
  journalsKept: string[];
}

/** The backup's database bytes: gunzipped, or the file with its `-wal` applied. */
function backupBytes(from: string): Uint8Array {
  if (!existsSync(from)) throw new RestoreError(`${from}: no such file. Give a backup's path (ls the folder 'pyde1-store backup --to' wrote to).`);
  if (statSync(from).isDirectory()) throw new RestoreError(`${from}: is a folder. Give one backup file in it, e.g. ${from}/pyde1.<YYYY-MM-DD_HHMM>.sqlite3.gz.`);
  try {
    return readDatabaseFile(from, true).bytes;
  } catch (e) {
    if (e instanceof StoreError) throw new RestoreError(e.message);
    throw e;
  }
}

/** Reads the backup at `from` and checks it; throws {@link RestoreError} when it is not a sound pyDE1 database. */
export function readBackup(SQL: SqlJsStatic, from: string): CheckedBackup {
  const raw = backupBytes(from);
  if (!isSqlite(raw)) {
    throw new RestoreError(`${from}: not an SQLite database (its first bytes are not "SQLite format 3"). Choose a file 'pyde1-store backup' wrote, or a copy of a pyde1.sqlite3.`);
  }
  const bytes = asRollbackJournal(raw, true);
  let db;
  try {
    // As a Node Buffer (ours: read or gunzipped here), which sql.js's memory file system keeps as
    // it is rather than copying: a large backup is in memory once. A check only reads it.
    db = new SQL.Database(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  } catch (e) {
    throw new RestoreError(`${from}: does not open as SQLite (${(e as Error).message}): the backup is damaged. Choose another backup.`);
  }
  try {
    const problems = integrityProblems(db);
    if (problems.length > 0) {
      throw new RestoreError(`${from}: fails PRAGMA integrity_check (${problems.slice(0, 3).join("; ")}): the backup is damaged. Choose another backup.`);
    }
    let schemaVersion: number;
    try {
      const schema = inspectSchema(db, from);
      if (schema.empty) throw new RestoreError(`${from}: an empty database, not a backup of one. Choose another backup.`);
      schemaVersion = schema.version;
    } catch (e) {
      if (e instanceof NotPyde1Error) {
        throw new RestoreError(`${from}: an SQLite database without pyDE1's tables (missing: ${e.missing.join(", ")}). Choose a backup of a pyDE1 database.`);
      }
      if (e instanceof SchemaVersionError) {
        throw new RestoreError(`${from}: schema version ${e.version} is not one pyde1-store knows (1, 2 or 3). Choose a backup of a pyDE1 database, or upgrade pyde1-store.`);
      }
      throw e;
    }
    const [count, newest] = db.exec("SELECT count(*), max(start_sequence) FROM sequence WHERE id <> 'dummy'")[0]!.values[0]!;
    return { bytes, schemaVersion, sequences: Number(count), newestStart: typeof newest === "number" ? newest : null };
  } catch (e) {
    if (e instanceof RestoreError) throw e;
    throw new RestoreError(`${from}: cannot be read (${(e as Error).message}): the backup is damaged. Choose another backup.`);
  } finally {
    db.close();
  }
}

/** Opens the file to be replaced for writing, with messages that say what to stop first. */
function openTarget(dbPath: string): FilePersistence {
  try {
    return FilePersistence.open(dbPath, { mode: "write" });
  } catch (e) {
    if (e instanceof LockedError) {
      throw new RestoreError(
        `${dbPath}: the recorder is writing it (pyde1-store process ${e.pid}). ` +
          "Stop it first (sudo systemctl stop pyde1-store, or Ctrl-C where it runs), restore, then start it again; nothing was changed.",
      );
    }
    if (e instanceof ForeignWriterError) {
      throw new RestoreError(
        `${dbPath}: a -wal or -shm file is beside it: pyDE1 (or another SQLite program) has it open, and would lay its -wal over the ` +
          "restored file. Stop pyDE1 first (sudo systemctl stop pyde1); if the -wal stays, run sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)'. Nothing was changed.",
      );
    }
    throw e;
  }
}

/**
 * Replaces the database at `dbPath` (created when missing) with the backup at `from`, keeping the
 * file it replaces and its journals as `<dbPath>.<stamp>.backup[.journal…]`; see the module comment.
 */
export async function restoreDatabase(SQL: SqlJsStatic, from: string, dbPath: string, now = new Date()): Promise<RestoreResult> {
  const target = resolve(dbPath);
  if (resolve(from) === target) throw new RestoreError(`${from}: is the database itself. Give a backup of it, e.g. one 'pyde1-store backup' wrote.`);
  const backup = readBackup(SQL, from);
  const file = openTarget(dbPath);
  try {
    const existed = file.remember(); // the save refuses a file changed meanwhile
    const journals = Object.values(journalPaths(target)).filter((p) => existsSync(p));
    let keptAs: string | null = null;
    const journalsKept: string[] = [];
    if (existed || journals.length > 0) {
      keptAs = existed ? file.backup(now) : backupPath(target, now);
      const paths = journalPaths(keptAs);
      for (const [kind, path] of Object.entries(journalPaths(target)) as [keyof typeof paths, string][]) {
        if (!existsSync(path)) continue;
        if (existsSync(paths[kind])) throw new RestoreError(`${paths[kind]}: already exists, so ${path} cannot be kept under that name. Move it away and try again; the database was not changed.`);
        renameSync(path, paths[kind]);
        journalsKept.push(paths[kind]);
      }
      if (journalsKept.length > 0) fsyncPath(dirname(target));
    }
    file.saveSync(backup.bytes);
    const { bytes: _bytes, ...facts } = backup;
    return { ...facts, path: target, keptAs: existed ? keptAs : null, journalsKept };
  } finally {
    await file.close();
  }
}
