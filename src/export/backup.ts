/**
 * Backups of a pyDE1 database, the browser-safe part: the snapshot's name, the snapshot bytes of an
 * open Store, and checking a copy with `PRAGMA integrity_check`. Writing files and gzip are Node-only
 * and live in `backup-file.ts`.
 */
import type { SqlJsStatic } from "sql.js";
import type { Store } from "../store/store";
import { asRollbackJournal } from "../store/store";
import { integrityProblems } from "../store/integrity";

/** A backup copy failed its check; the message names the copy, the problem and what to do. */
export class BackupVerifyError extends Error {
  override name = "BackupVerifyError";
}

/** What checking a copy found. */
export interface BackupCheck {
  /** `PRAGMA integrity_check` said "ok" */
  ok: true;
  /** rows in `sequence`, not counting pyDE1's 'dummy' seed row */
  sequences: number;
  /** the copy's `PRAGMA user_version` */
  userVersion: number;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The names {@link backupFileName} gives, and nothing else (what a pruning of old backups may remove). */
export const BACKUP_FILE_NAME = /^pyde1\.\d{4}-\d\d-\d\d_\d{4}(-\d+)?\.sqlite3(\.gz)?$/;

/**
 * The snapshot's file name: `pyde1.<YYYY-MM-DD_HHMM>.sqlite3` (`.gz` appended when gzipped), in the
 * process's local time; `attempt` > 0 adds `-<attempt>` to the stamp so no existing file is overwritten.
 */
export function backupFileName(now: Date, gzip: boolean, attempt = 0): string {
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}_${pad(now.getHours())}${pad(now.getMinutes())}`;
  return `pyde1.${stamp}${attempt > 0 ? `-${attempt}` : ""}.sqlite3${gzip ? ".gz" : ""}`;
}

/**
 * A consistent snapshot of an open Store: the whole database as a rollback-journal file image. Taken
 * between statements (never inside a transaction), so it holds only committed rows.
 */
export function snapshotBytes(store: Store): Uint8Array {
  return store.export();
}

/**
 * Opens a copy's bytes with sql.js and runs `PRAGMA integrity_check`; throws BackupVerifyError
 * (naming `name`) unless it answers "ok". The bytes are not modified.
 */
export function checkBackup(SQL: SqlJsStatic, bytes: Uint8Array, name: string): BackupCheck {
  let db;
  try {
    db = new SQL.Database(asRollbackJournal(bytes));
  } catch (e) {
    throw new BackupVerifyError(`${name}: the copy does not open as SQLite (${(e as Error).message}). It was removed; check the disk and try again.`);
  }
  try {
    const problems = integrityProblems(db);
    if (problems.length > 0) {
      throw new BackupVerifyError(`${name}: integrity_check failed (${problems.slice(0, 3).join("; ")}). It was removed; check the disk and try again.`);
    }
    const sequences = Number(db.exec("SELECT count(*) FROM sequence WHERE id <> 'dummy'")[0].values[0][0]);
    const userVersion = Number(db.exec("PRAGMA user_version")[0].values[0][0]);
    return { ok: true, sequences, userVersion };
  } catch (e) {
    if (e instanceof BackupVerifyError) throw e;
    throw new BackupVerifyError(`${name}: the copy cannot be read (${(e as Error).message}). It was removed; check the disk and try again.`);
  } finally {
    db.close();
  }
}
