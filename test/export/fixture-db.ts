/**
 * Opening a recording's expected.sqlite3 with sql.js in tests. A `-wal` beside a file is applied with
 * the store's own WAL reader (`applyWal`), which also turns a WAL-mode header into a rollback-journal
 * one, so sql.js opens the result directly.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs, { type Database } from "sql.js";
import { FIXTURES } from "../support/paths";
import { applyWal } from "../../src/store/wal";

/** The folder of a recording under shared fixtures. */
export function recordingDir(name: string): string {
  return join(FIXTURES, "recordings", name);
}

/** The bytes of a database file with the committed frames of its `-wal` (if any) applied. */
export function databaseBytes(file: string): Buffer {
  const wal = existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : null;
  const { bytes } = applyWal(readFileSync(file), wal);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
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
