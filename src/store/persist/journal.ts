/**
 * The recorder's journal, `<db>.journal`: every accepted input event is appended here and fsynced
 * within a short window, so a crash loses at most that window. The database file itself is only
 * exported now and then; the journal covers the time in between. Its format, and reading it back:
 * journal-format.ts. A torn or corrupt tail is cut off when the journal is opened; a block is
 * written and fsynced whole, so nothing acknowledged is lost with it.
 *
 * The boundary with the saved file is exact: each save stores `ID:SEQ` (the last record it
 * contains) inside the database, in persist_hkv ('pyde1-store', 'journal'). On start, records up to
 * that SEQ are replayed warm (state only), later ones are replayed into the database.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  writevSync,
  constants,
} from "node:fs";
import { dirname } from "node:path";
import { fsyncPath } from "./fsync-path";
import { block, blockHeader, JSON_CODEC, readJournal, type JournalCodec, type JournalContents } from "./journal-format";

/** Initial size of a journal's buffer of records waiting to be written. */
const PENDING_START = 64 * 1024;
/** Largest buffer of waiting records a journal keeps after a write; a larger one is let go. */
const PENDING_KEEP = 4 * 1024 * 1024;

/** An open journal, appending with batched fsync. */
export class Journal<E> {
  /** the last sequence number written */
  lastSeq: number;
  /** receive time (ms, performance clock) of the oldest record not yet fsynced, or null */
  private pendingSince: number | null = null;
  /**
   * when the last timed flush began (ms, performance clock); the journal's opening counts as one.
   * A save's own flushes do not: the message after one need not wait for half a window.
   */
  private flushedAt = performance.now();
  private fd: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /**
   * The records appended and not yet written, as the bytes of the next block's body (UTF-8 lines,
   * each ending in "\n"), encoded as they arrive: a flush only checksums and writes them, and no
   * record's text lives on past its append.
   */
  private pending: Buffer = Buffer.allocUnsafeSlow(PENDING_START);
  /** bytes of {@link pending} in use */
  private pendingBytes = 0;
  /** records in {@link pending} */
  private pendingCount = 0;
  /** called after each fsync with how long the oldest record waited (ms) */
  onSynced: ((waitedMs: number) => void) | null = null;
  /**
   * called when a timed flush fails (e.g. ENOSPC: the disk is full) with the error and how many
   * records wait in memory, and with null when writing works again. The records are kept and
   * retried; a partly written batch is cut off the file first, so the journal never holds a torn
   * record followed by good ones.
   */
  onWriteError: ((error: Error | null, waiting: number) => void) | null = null;
  /** the file's size up to the last fsynced record */
  private size: number;
  private failing = false;
  /**
   * The next journal while a save is under way ({@link writeNext}): every block is written and
   * fsynced to it as well, so events accepted during the save are in whichever journal survives.
   */
  private next: { path: string; fd: number; size: number } | null = null;

  private constructor(
    /** the journal file's path */
    readonly path: string,
    /** the journal's id */
    readonly id: string,
    lastSeq: number,
    /** longest time (ms) an appended record may wait for its fsync */
    readonly fsyncMs: number,
    private readonly codec: JournalCodec<E>,
  ) {
    this.lastSeq = lastSeq;
    this.fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
    this.size = fstatSync(this.fd).size;
  }

  /** How many appended records are not yet written and fsynced. */
  get waiting(): number {
    return this.pendingCount;
  }

  /** The journal's size in bytes: the file's, and the records waiting to be written. */
  get bytes(): number {
    return this.size + this.pendingBytes;
  }

  /**
   * Opens (or creates) the journal at `path`: returns what it holds, cutting a torn or corrupt
   * tail off the file, and the open journal for appending.
   */
  static open<E>(
    path: string,
    options: { fsyncMs?: number; newId?: () => string; codec?: JournalCodec<E> } = {},
  ): { journal: Journal<E>; contents: JournalContents<E> } {
    const codec = options.codec ?? (JSON_CODEC as JournalCodec<E>);
    let contents = readJournal<E>(path, codec);
    let setAside: string | undefined;
    if (!contents && existsSync(path)) {
      // Unreadable (no valid header): keep its bytes for a human instead of overwriting them.
      setAside = `${path}.unreadable-${Date.now()}`;
      renameSync(path, setAside);
    }
    if (!contents) {
      const id = options.newId?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      writeWhole(path, `${JSON.stringify({ journal: id, base: 0 })}\n`);
      // the new name made durable too: records fsynced into a file whose name a power cut takes
      // away are lost all the same
      fsyncPath(dirname(path));
      contents = { id, base: 0, records: [], cutBytes: 0, ...(setAside ? { setAside } : {}) };
    } else if (contents.cutBytes > 0) {
      const size = statSync(path).size - contents.cutBytes;
      const fd = openSync(path, constants.O_WRONLY);
      ftruncateSync(fd, size);
      fsyncSync(fd);
      closeSync(fd);
    }
    const last = contents.records.length ? contents.records[contents.records.length - 1].n : contents.base;
    return { journal: new Journal<E>(path, contents.id, last, options.fsyncMs ?? 100, codec), contents };
  }

  /** Appends an event; it is written and fsynced within `fsyncMs`. Returns its sequence number. */
  append(event: E): number {
    const n = ++this.lastSeq;
    const line = this.codec.encode(event);
    // UTF-8 needs at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units)
    if (this.pendingBytes + line.length * 3 + 1 > this.pending.length) this.grow(line.length * 3 + 1);
    this.pendingBytes += this.pending.write(line, this.pendingBytes, "utf8");
    this.pending[this.pendingBytes++] = 10;
    this.pendingCount++;
    // Written at the next turn of the event loop (with whatever else arrives by then), unless a
    // timed flush began less than half the window ago: then when that half is over. So at the
    // DE1's rate a record waits only for its own fsync, a burst is still written in batches at
    // most twice a window, and a busy event loop (a save, a burst) leaves the other half for the
    // fsync.
    if (this.pendingSince === null || this.timer === null) {
      const now = performance.now();
      this.pendingSince ??= now;
      this.arm(Math.max(0, this.flushedAt + this.fsyncMs / 2 - now));
    }
    return n;
  }

  /** Makes room for `more` bytes in {@link pending}, keeping what it holds. */
  private grow(more: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.pending.length * 2, this.pendingBytes + more));
    this.pending.copy(bigger, 0, 0, this.pendingBytes);
    this.pending = bigger;
  }

  /** Schedules a timed flush; its failure goes to {@link onWriteError} and is retried. */
  private arm(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushedAt = performance.now();
      try {
        this.flush();
      } catch {
        /* reported by flush; retried */
      }
    }, ms);
    this.timer.unref?.();
  }

  /**
   * Writes and fsyncs everything appended so far. On failure (disk full, I/O error) the records
   * stay in memory, any partial write is cut off the file, a retry is scheduled, and the error is
   * reported to {@link onWriteError} (once, until a write works again) and thrown.
   */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pendingCount === 0) return;
    const body = this.pending.subarray(0, this.pendingBytes);
    const head = blockHeader(body, this.lastSeq - this.pendingCount + 1);
    const total = head.length + body.length;
    try {
      writeBlock(this.fd, head, body);
      if (this.next) writeBlock(this.next.fd, head, body);
      fdatasyncSync(this.fd);
      if (this.next) fdatasyncSync(this.next.fd);
    } catch (e) {
      for (const [fd, size] of [[this.fd, this.size], ...(this.next ? [[this.next.fd, this.next.size]] : [])]) {
        try {
          ftruncateSync(fd, size);
        } catch {
          /* the reader cuts a torn tail anyway */
        }
      }
      if (!this.failing) {
        this.failing = true;
        this.onWriteError?.(e as Error, this.pendingCount);
      }
      this.arm(Math.max(this.fsyncMs, 1000));
      throw e;
    }
    this.size += total;
    if (this.next) this.next.size += total;
    this.pendingBytes = 0;
    this.pendingCount = 0;
    // a burst (or a long write failure) may have grown the buffer: give the memory back
    if (this.pending.length > PENDING_KEEP) this.pending = Buffer.allocUnsafeSlow(PENDING_START);
    if (this.failing) {
      this.failing = false;
      this.onWriteError?.(null, 0);
    }
    const since = this.pendingSince;
    this.pendingSince = null;
    if (since !== null) this.onSynced?.(performance.now() - since);
  }

  /**
   * Writes the journal that follows a save containing everything up to `lastSeq`, at `path`
   * (normally `<journal>.next`): a header with base = lastSeq and the `warm` events the recorder
   * needs to rebuild its state, numbered up to base. From then on every appended record goes to
   * both files, so a save may take its time while recording goes on. Once the save is durable the
   * caller renames `path` over the journal and calls {@link adoptNext}; if the save fails, it calls
   * {@link dropNext}. For a compaction (no save: see journal-format.ts) `fileMark` is the saved
   * file's mark, written into the header.
   */
  writeNext(path: string, warm: E[], fileMark?: string): void {
    this.flush();
    if (this.next) this.dropNext();
    const base = this.lastSeq;
    const header = fileMark === undefined ? { journal: this.id, base } : { journal: this.id, base, file: fileMark };
    const head = Buffer.from(`${JSON.stringify(header)}\n`, "utf8");
    const lines = warm.map((e) => `${this.codec.encode(e)}\n`).join("");
    writeWhole(path, warm.length ? Buffer.concat([head, block(lines, base - warm.length + 1)]) : head);
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
    this.next = { path, fd, size: fstatSync(fd).size };
  }

  /** After the next journal was renamed over this one: appends go on in it alone. */
  adoptNext(): void {
    const next = this.next;
    if (!next) throw new Error(`${this.path}: no next journal to adopt (writeNext first)`);
    this.flush();
    closeSync(this.fd);
    this.fd = next.fd;
    this.size = next.size;
    this.next = null;
  }

  /** After a failed save: stops writing to the next journal and removes it. */
  dropNext(): void {
    const next = this.next;
    if (!next) return;
    this.next = null;
    closeSync(next.fd);
    try {
      unlinkSync(next.path);
    } catch {
      /* already gone */
    }
  }

  /** Flushes and closes the file (closed even when the flush fails; then it throws). */
  close(): void {
    try {
      this.flush();
    } finally {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      closeSync(this.fd);
      if (this.next) closeSync(this.next.fd);
      this.next = null;
    }
  }
}

/** Writes a block (its header line, then its body) at the end of an append-mode file. */
function writeBlock(fd: number, head: Buffer, body: Buffer): void {
  const total = head.length + body.length;
  let off = 0;
  while (off < total) {
    off += off < head.length ? writevSync(fd, [head.subarray(off), body]) : writeSync(fd, body, off - head.length, total - off);
  }
}

/** Writes a whole small file and fsyncs it. */
function writeWhole(path: string, content: string | Buffer): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
  try {
    const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
