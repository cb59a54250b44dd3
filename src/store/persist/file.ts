/**
 * Persistence on a native file (Node only). Loading reads the file as a Buffer (no copy) and, for
 * readers, applies a live writer's `-wal`. Saving never patches the file: it writes
 * `<file>.tmp-<pid>` beside it (around the page cache where allowed: image-file.ts), fsyncs,
 * renames over the file and fsyncs the folder, keeping the old file's mode, owner and group. It
 * refuses to save over a file someone else changed, or while a `-wal`/`-shm` beside it shows
 * another SQLite writer.
 */
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  type Stats,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Persistence } from "./persistence";
import { growableBytes } from "./growable-bytes";
import { ImageFile } from "./image-file";
import { applyWal, walCommittedSize } from "../wal";
import { FileChangedError, ForeignWriterError, StoreError } from "../errors";
import { processAlive, releaseLock, takeLock } from "./lock-file";
import { fsyncPath } from "./fsync-path";

/** How a file is opened. */
export interface FileOptions {
  /**
   * "write": we will save to it (refused when a `-wal`/`-shm` shows another writer; takes the lock).
   * "read": never saved; a `-wal` beside it is applied when loading.
   */
  mode: "write" | "read";
}

/** How {@link FilePersistence.saveInBackground} writes (see there for why these sizes). */
export interface BackgroundSaveOptions {
  /** bytes written per call on the I/O threads (default 1 MB) */
  chunkBytes?: number;
  /** bytes written between two flushes to the disk (default 8 MB) */
  flushBytes?: number;
  /** awaited after the temp file's fsync, before the synchronous rename and folder fsync */
  beforeRename?: () => Promise<void>;
}

/** What is known of the file on disk as we last loaded or saved it. */
interface Seen {
  ino: number;
  size: number;
  mtimeMs: number;
}

const seenOf = (s: Stats): Seen => ({ ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });

/**
 * Reads a whole file into a Buffer of at least `room` bytes (the file's bytes first, the rest
 * zero), with the stats of the open file it read. The Buffer is our own (never a slice of Node's
 * shared pool) and can grow in place (growable-bytes.ts): sql.js's memory file system then grows
 * the database without copying it.
 */
function readWhole(path: string, room: number): { bytes: Buffer; stat: Stats } {
  const fd = openSync(path, "r");
  try {
    const stat = fstatSync(fd);
    const size = Math.max(stat.size, room);
    const bytes = Buffer.from(growableBytes(size).buffer, 0, size);
    let off = 0;
    while (off < stat.size) {
      const n = readSync(fd, bytes, off, Math.min(stat.size - off, 1 << 30), off);
      if (n === 0) throw new StoreError(path, `${path}: the file shrank while it was read; another program is rewriting it. Try again.`);
      off += n;
    }
    return { bytes, stat };
  } finally {
    closeSync(fd);
  }
}

/**
 * A database file's bytes (a Buffer of our own) with the stats of the file read and, when `withWal`,
 * the committed frames of a `-wal` beside it applied. The file is read into room for what the WAL
 * adds, so applying it never copies the file. A gzipped file (a backup) is unpacked instead.
 */
export function readDatabaseFile(path: string, withWal: boolean): { bytes: Uint8Array; stat: Stats; walFramesApplied: number; gzipped: boolean } {
  const walPath = `${path}-wal`;
  const wal = withWal && existsSync(walPath) && statSync(walPath).size > 0 ? readFileSync(walPath) : null;
  const { bytes, stat } = readWhole(path, walCommittedSize(wal));
  if (stat.size >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // a gzipped backup ('backup --compress gzip'): the database it holds
    try {
      return { bytes: gunzipSync(bytes.subarray(0, stat.size)), stat, walFramesApplied: 0, gzipped: true };
    } catch (e) {
      throw new StoreError(path, `${path}: a gzip file that does not unpack (${(e as Error).message}): damaged or cut short. Choose another copy.`);
    }
  }
  if (!wal || stat.size === 0) return { bytes: bytes.subarray(0, stat.size), stat, walFramesApplied: 0, gzipped: false };
  const result = applyWal(bytes, wal, { inPlace: true, fileLength: stat.size });
  return { bytes: result.bytes, stat, walFramesApplied: result.framesApplied, gzipped: false };
}

/**
 * The first free `<file>.<YYYY-MM-DD_HHMMSS>[-N].backup` path for a copy of `file` made at `now`
 * (local time).
 */
export function backupPath(file: string, now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const stamp =
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}_` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  for (let n = 0; ; n++) {
    const target = `${file}.${stamp}${n ? `-${n}` : ""}.backup`;
    if (!existsSync(target)) return target;
  }
}

/** Removes a file, if it is there (a temp file after a failed save). */
function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // nothing to remove
  }
}

/** True when the file's owner or group is not this process's (a save then tries to keep them). */
function differentOwner(old: Stats): boolean {
  return typeof process.getuid === "function" && (old.uid !== process.getuid() || old.gid !== process.getgid?.());
}

/** Persists a database in a native file. */
export class FilePersistence implements Persistence {
  /** the absolute path of the database file */
  readonly name: string;
  /** how the file was opened */
  readonly mode: "write" | "read";
  /** what applying a `-wal` did on the last load (read mode), for messages */
  walFramesApplied = 0;
  /**
   * Saves write the new file around the page cache where the system allows it (image-file.ts);
   * false writes through the cache. The environment variable `PYDE1_STORE_DIRECT_IO=0` makes it
   * false for every file (a way out on a file system whose direct I/O misbehaves).
   */
  direct = process.env.PYDE1_STORE_DIRECT_IO !== "0";
  /** bytes of the last save written around the page cache (for figures and tests) */
  lastSaveDirectBytes = 0;
  private seen: Seen | null = null;
  private lockPath: string | null = null;

  private constructor(path: string, mode: "write" | "read") {
    this.name = path;
    this.mode = mode;
  }

  /**
   * Opens a database file. In write mode, refuses a file with a `-wal`/`-shm` beside it
   * ({@link ForeignWriterError}), takes `<file>.lock` (a dead owner's lock is taken over; a live
   * one is {@link LockedError}) and removes `<file>.tmp-<pid>` files left by dead processes.
   */
  static open(path: string, options: FileOptions): FilePersistence {
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw new StoreError(path, `${path}: is a folder, not a database file. Give the file's path, e.g. ${join(path, "pyde1.sqlite3")}.`);
    }
    const p = new FilePersistence(resolve(path), options.mode);
    if (options.mode === "write" && !existsSync(dirname(p.name))) {
      throw new StoreError(path, `${dirname(p.name)}: no such folder for the database ${basename(p.name)}. Create it first (mkdir -p ${dirname(p.name)}), or check the path.`);
    }
    if (options.mode === "write") {
      p.refuseForeignWriter();
      p.lockPath = takeLock(p.name);
      p.removeDeadTemporaries();
    }
    return p;
  }

  /**
   * The file's bytes (a Buffer, not copied), the `-wal` applied in read mode; null if absent. A
   * gzipped backup is read as the database it holds, and refused in write mode.
   */
  async load(): Promise<Uint8Array | null> {
    if (!existsSync(this.name)) {
      this.seen = null;
      return null;
    }
    const { bytes, stat, walFramesApplied, gzipped } = readDatabaseFile(this.name, this.mode === "read");
    if (gzipped && this.mode === "write") {
      throw new StoreError(
        this.name,
        `${this.name}: a gzipped file (a backup?); commands that write take a database as it is. Unpack it (gunzip -k ${this.name}), ` +
          `or put it back in place of a database with 'pyde1-store restore --from ${this.name} --db FILE'; nothing was changed.`,
      );
    }
    this.seen = seenOf(stat);
    this.walFramesApplied = walFramesApplied;
    return bytes;
  }

  /**
   * Remembers the file as it is on disk now, without reading it, for a caller that will replace it
   * whole (a later save still refuses a file changed meanwhile). Returns true when the file exists.
   */
  remember(): boolean {
    const stat = existsSync(this.name) ? statSync(this.name) : null;
    this.seen = stat ? seenOf(stat) : null;
    return stat !== null;
  }

  /**
   * Copies the file as it is on disk to `<file>.<YYYY-MM-DD_HHMMSS>.backup` (never overwriting an
   * existing file), made durable (its bytes and its name) before it returns, and returns the
   * backup's path. Call before an upgrade changes anything: a save may replace the file right after.
   */
  backup(now = new Date()): string {
    const target = backupPath(this.name, now);
    copyFileSync(this.name, target, constants.COPYFILE_EXCL);
    fsyncPath(target);
    fsyncPath(dirname(target));
    return target;
  }

  /**
   * Replaces the file with `bytes`: temp file in the same folder, fsync, rename, fsync the folder.
   * Refused in read mode, when the file changed on disk since load/save, or when a `-wal`/`-shm`
   * appeared. On any failure the old file is untouched and the temp file removed.
   */
  async save(bytes: Uint8Array): Promise<void> {
    this.saveSync(bytes);
  }

  /**
   * {@link saveSync} with the bytes written and fsynced on Node's I/O threads, `chunkBytes` at a
   * time, so the event loop goes on meanwhile (a recorder keeps receiving), and flushed to the disk
   * every `flushBytes`. The caller keeps `bytes` unchanged until it settles, and starts no other
   * save meanwhile. The checks are made again just before the rename, synchronously with it.
   * Both sizes are for the recorder's journal, whose `fdatasync` was measured waiting for the
   * piece in flight and for the save's bytes the disk had not yet flushed (BENCHMARKS.md,
   * "Durability and the disk's stalls"): pieces of 1 MB rather than 4 MB lowered the p99 from
   * receipt to fsync at 100x on a 100 MB file in 16 of 24 alternating runs; a flush every 8 MB
   * lowered it at the DE1's rate (medians of six runs 72.5 → 55.5 ms, the maxima in six of six)
   * and at 100x (five of five), for a save ~10 % longer, which the recorder does not wait for.
   * `beforeRename`, when given, is awaited after the fsync, before the synchronous last steps (the
   * rename, the folder's fsync): the recorder settles its journal there (its fsync in flight, and
   * what waits behind it), so that those steps do not wait behind it on a disk that serves one
   * fsync at a time.
   */
  async saveInBackground(bytes: Uint8Array, options: BackgroundSaveOptions = {}): Promise<void> {
    const { chunkBytes = 1 << 20, flushBytes = 8 << 20, beforeRename } = options;
    const steps = this.saveSteps(true);
    const synced = async (f: ImageFile) => {
      await f.sync();
      await beforeRename?.();
    };
    for (const work of [(f: ImageFile) => f.writeAll(bytes, chunkBytes, flushBytes), synced]) {
      const file = steps.next().value as ImageFile;
      try {
        await work(file);
      } catch (e) {
        steps.throw(e); // cleans up, then throws e
      }
    }
    steps.next();
  }

  /** {@link save}, synchronously (nothing else runs between the checks and the rename). */
  saveSync(bytes: Uint8Array): void {
    const steps = this.saveSteps(false);
    for (const work of [(f: ImageFile) => f.writeAllSync(bytes), (f: ImageFile) => f.syncSync()]) {
      const file = steps.next().value as ImageFile;
      try {
        work(file);
      } catch (e) {
        steps.throw(e); // cleans up, then throws e
      }
    }
    steps.next();
  }

  /**
   * A save, in one place for {@link saveSync} and {@link saveInBackground}: checks, temp file, its
   * owner and mode, rename, then {@link replaced}. It yields the temp file twice, for the caller
   * to write the bytes and then to fsync them, each in its own way; an error thrown in removes
   * the temp file and is thrown on. `recheck`: make the checks again just before the rename (the
   * file may have changed while a background save wrote).
   */
  private *saveSteps(recheck: boolean): Generator<ImageFile, void, void> {
    const old = this.checkBeforeSave();
    const tmp = `${this.name}.tmp-${process.pid}`;
    let file: ImageFile | null = null;
    try {
      file = ImageFile.create(tmp, old ? old.mode & 0o7777 : 0o644, this.direct);
      yield file; // the bytes written
      if (old) this.keepOwnership(file.fd, old);
      yield file; // fsynced
      this.closeImage(file);
      file = null;
      if (recheck) this.checkBeforeSave(); // then the rename, with nothing in between
      renameSync(tmp, this.name);
    } catch (e) {
      file?.close();
      removeIfThere(tmp);
      throw e;
    }
    this.replaced();
  }

  /**
   * After the temp file was renamed over the file: the new file remembered, then the rename made
   * durable. Remembered first: when the folder's fsync fails, the file at the path is still ours,
   * and the next save (the store stays unsaved) must replace it again, not refuse it as changed.
   */
  private replaced(): void {
    this.seen = seenOf(statSync(this.name));
    const dir = dirname(this.name);
    try {
      fsyncPath(dir);
    } catch (e) {
      throw new StoreError(
        this.name,
        `${this.name}: written, but the folder ${dir} could not be synced (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}), ` +
          "so the new file may not survive a power cut; the data stays unsaved and the next save tries again. Check the disk.",
      );
    }
  }

  /** Refuses a save in read mode, beside another writer, or over a file changed on disk; returns the file's stats. */
  private checkBeforeSave(): Stats | null {
    if (this.mode !== "write") throw new StoreError(this.name, `${this.name}: opened read-only; not saving.`);
    this.refuseForeignWriter();
    return this.checkUnchanged();
  }

  /** Gives the new file the old one's permissions and, where allowed, its owner and group. */
  private keepOwnership(fd: number, old: Stats): void {
    fchmodSync(fd, old.mode & 0o7777);
    if (!differentOwner(old)) return;
    try {
      fchownSync(fd, old.uid, old.gid);
    } catch {
      // Not permitted (we are not root): the file becomes ours, as any rewrite would make it.
    }
  }

  /** Closes a written temp file, keeping how much of it went around the page cache. */
  private closeImage(file: ImageFile): void {
    this.lastSaveDirectBytes = file.directBytes;
    file.close();
  }

  /** Releases the lock. */
  async close(): Promise<void> {
    if (this.lockPath) {
      releaseLock(this.lockPath);
      this.lockPath = null;
    }
  }

  /** Throws when a `-wal` or `-shm` beside the file shows another SQLite writer. */
  private refuseForeignWriter(): void {
    for (const suffix of ["-wal", "-shm"]) {
      if (existsSync(this.name + suffix)) {
        throw new ForeignWriterError(this.name, `a ${suffix} file is beside it (${basename(this.name)}${suffix})`);
      }
    }
  }

  /** Throws when the file on disk is not the one we loaded or last saved; returns its stats. */
  private checkUnchanged(): Stats | null {
    const now = existsSync(this.name) ? statSync(this.name) : null;
    if (!this.seen) {
      if (now) throw new FileChangedError(this.name, "it appeared after we started from an empty database");
      return null;
    }
    if (!now) throw new FileChangedError(this.name, "it was deleted");
    const s = seenOf(now);
    if (s.ino !== this.seen.ino) throw new FileChangedError(this.name, "it was replaced by another file");
    if (s.size !== this.seen.size || s.mtimeMs !== this.seen.mtimeMs) {
      throw new FileChangedError(this.name, `its size or modification time changed (${this.seen.size} → ${s.size} bytes)`);
    }
    return now;
  }

  /** Removes `<file>.tmp-<pid>` left by processes that are no longer running. */
  private removeDeadTemporaries(): void {
    const dir = dirname(this.name);
    const prefix = `${basename(this.name)}.tmp-`;
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (!n.startsWith(prefix)) continue;
      const pid = Number(n.slice(prefix.length));
      if (pid !== process.pid && !processAlive(pid)) {
        try {
          unlinkSync(join(dir, n));
        } catch {
          // raced with someone else's clean-up
        }
      }
    }
  }
}
