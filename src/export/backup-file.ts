/**
 * Backups to a folder — Node-only (node:fs, node:zlib); browser code uses `backup.ts`.
 *
 * `backupStore` snapshots an open Store (the recorder's in-memory database when it holds the file in
 * the same process, or a file opened for reading with its `-wal` applied), writes
 * `pyde1.<YYYY-MM-DD_HHMM>.sqlite3[.gz]` into a folder without ever replacing a file, then reads the
 * copy back (gunzipping it), checks that it is byte for byte the snapshot and that
 * `PRAGMA integrity_check` says "ok", and only then reports success. The copy and its name are
 * fsynced before that (a reported backup survives a power cut). A failed copy is removed.
 */
import { closeSync, constants, createWriteStream, existsSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip, gunzipSync } from "node:zlib";
import type { SqlJsStatic } from "sql.js";
import type { Store } from "../store/store";
import { backupFileName, BackupVerifyError, checkBackup, snapshotBytes } from "./backup";

/** Options for {@link backupStore}. */
export interface BackupOptions {
  /** gzip the copy (default none) */
  compress?: "gzip" | "none";
  /** the time the name is stamped with (default now) */
  now?: Date;
  /** called as snapshot bytes are written: bytes done of total */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link backupStore} wrote. */
export interface BackupResult {
  /** the copy's absolute path */
  path: string;
  /** bytes of the database image */
  databaseBytes: number;
  /** bytes of the file written (smaller when gzipped) */
  fileBytes: number;
  /** sequences in the copy (not counting the 'dummy' seed row) */
  sequences: number;
}

const CHUNK = 1 << 20;

/** The snapshot in 1 MB chunks, reporting progress as each is taken. */
function* chunks(bytes: Uint8Array, onProgress?: (done: number, total: number) => void): Generator<Uint8Array> {
  for (let off = 0; off < bytes.length; off += CHUNK) {
    const end = Math.min(off + CHUNK, bytes.length);
    yield bytes.subarray(off, end);
    onProgress?.(end, bytes.length);
  }
}

/** Writes the snapshot (gzipped or not) to `tmp`, fsynced. */
async function writeSnapshot(tmp: string, bytes: Uint8Array, gzip: boolean, onProgress?: BackupOptions["onProgress"]): Promise<void> {
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o640);
  try {
    const out = createWriteStream("", { fd, autoClose: false });
    const source = Readable.from(chunks(bytes, onProgress), { objectMode: false });
    const stages: (NodeJS.ReadableStream | Writable)[] = gzip ? [source, createGzip({ level: 6 }), out] : [source, out];
    await pipeline(stages as [NodeJS.ReadableStream, ...Writable[]]);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes the names in `folder` durable (fsync of the folder itself). */
function syncFolder(folder: string): void {
  const fd = openSync(folder, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Snapshots `store` into `dir` as a new, verified backup file; see the module comment. */
export async function backupStore(SQL: SqlJsStatic, store: Store, dir: string, options: BackupOptions = {}): Promise<BackupResult> {
  const folder = resolve(dir);
  if (existsSync(folder) && !statSync(folder).isDirectory()) {
    throw new BackupVerifyError(`${folder}: is a file, not a folder. Give --to the folder the backups go in.`);
  }
  if (!existsSync(folder)) {
    throw new BackupVerifyError(`${folder}: no such folder for backups. Create it first (mkdir -p ${folder}).`);
  }
  const gzip = options.compress === "gzip";
  const now = options.now ?? new Date();
  const bytes = snapshotBytes(store);
  const tmp = join(folder, `.pyde1-backup.tmp-${process.pid}`);
  let target = "";
  try {
    await writeSnapshot(tmp, bytes, gzip, options.onProgress);
    for (let attempt = 0; ; attempt++) {
      target = join(folder, backupFileName(now, gzip, attempt));
      try {
        linkSync(tmp, target); // never replaces: fails with EEXIST when the name is taken
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  try {
    syncFolder(folder); // the new name durable too: a backup reported written survives a power cut
    const written = readFileSync(target);
    const image = gzip ? gunzipSync(written) : written;
    if (Buffer.compare(image, bytes) !== 0) {
      throw new BackupVerifyError(`${target}: the copy read back differs from the snapshot. It was removed; check the disk and try again.`);
    }
    const check = checkBackup(SQL, image, target);
    return { path: target, databaseBytes: bytes.length, fileBytes: written.length, sequences: check.sequences };
  } catch (e) {
    try {
      unlinkSync(target);
    } catch {
      // nothing to remove
    }
    throw e;
  }
}
