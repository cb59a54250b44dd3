/**
 * Opening a recording's expected.sqlite3 with sql.js in tests. Files that carry a `-wal` are copied to a
 * scratch folder and checkpointed into a rollback-journal file with the sqlite3 CLI first (sql.js
 * cannot read a WAL). To be replaced by the store's WAL applier.
 */
import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import initSqlJs, { type Database } from "sql.js";
import { FIXTURES, scratch } from "../support/paths";

/** The folder of a recording under shared fixtures. */
export function recordingDir(name: string): string {
  return join(FIXTURES, "recordings", name);
}

/** The bytes of a database file, with its `-wal` (if any) checkpointed in, from a scratch copy. */
export function databaseBytes(file: string): Buffer {
  if (!existsSync(`${file}-wal`)) return readFileSync(file);
  const dir = scratch("pyde1-export-");
  try {
    const copy = join(dir, "db.sqlite3");
    copyFileSync(file, copy);
    copyFileSync(`${file}-wal`, `${copy}-wal`);
    execFileSync("/usr/bin/sqlite3", [copy, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;"], { stdio: "pipe" });
    return readFileSync(copy);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A recording's expected.sqlite3 opened with sql.js. */
export async function openRecording(name: string): Promise<Database> {
  const SQL = await initSqlJs();
  return new SQL.Database(databaseBytes(join(recordingDir(name), "expected.sqlite3")));
}

/** A fresh sql.js database from bytes (for tests that modify a copy). */
export async function openBytes(bytes: Uint8Array): Promise<Database> {
  const SQL = await initSqlJs();
  return new SQL.Database(bytes);
}
