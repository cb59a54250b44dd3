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
  fdatasync,
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

/**
 * A block a timed flush wrote, whose fsync runs on libuv's thread pool and has not answered yet.
 * Its records are kept until then: if the fsync fails they are cut off the file and written again.
 */
interface InFlight {
  /** the buffer holding the block's body (its first `bytes` bytes) */
  body: Buffer;
  bytes: number;
  /** records in the block */
  count: number;
  /** receive time (ms, performance clock) of its oldest record */
  since: number | null;
  /** bytes it added to each file (header and body) */
  total: number;
  /** the next journal it was also written to (a save under way), or null */
  next: { path: string; fd: number; size: number } | null;
  /** the sequence number of its last record */
  last: number;
}

/** An open journal, appending with batched fsync. */
export class Journal<E> {
  /** the last sequence number written */
  lastSeq: number;
  /** receive time (ms, performance clock) of the oldest record not yet fsynced, or null */
  private pendingSince: number | null = null;
  /**
   * when the last timed flush began (ms, performance clock); the journal's opening counts as one.
   * A save's own flushes do not: the message after one need not wait for a quarter of a window.
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
  /**
   * The block a timed flush wrote and whose fsync has not answered, or null. While one is in flight
   * no other block is written by a timed flush; the answer arms the next.
   */
  private inFlight: InFlight | null = null;
  /** a second buffer for {@link pending}, swapped in while the block in flight keeps the first */
  private spare: Buffer | null = null;
  /**
   * called after each fsync with how long the oldest record it made durable waited (ms), and the
   * sequence number of the last record it made durable (records appended since may still wait)
   */
  onSynced: ((waitedMs: number, through: number) => void) | null = null;
  /** callers of {@link quiet} waiting for the fsync in flight to answer */
  private quietWaiters: (() => void)[] = [];
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

  /** Whether a timed flush's fsync is in flight ({@link quiet} resolves when it answers). */
  get fsyncInFlight(): boolean {
    return this.inFlight !== null;
  }

  /** How many appended records are not yet written and fsynced. */
  get waiting(): number {
    return this.pendingCount + (this.inFlight?.count ?? 0);
  }

  /** The journal's size in bytes: the file's, and the records waiting to be written or fsynced. */
  get bytes(): number {
    return this.size + (this.inFlight?.total ?? 0) + this.pendingBytes;
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
    // timed flush began less than a quarter of the window ago: then when that quarter is over. So
    // at the DE1's rate (a message every ~50 ms) a record waits only for its own fsync, and a burst
    // is still written in batches, at most four a window. With half a window (until session 23) a
    // record that had to wait (behind a save) passed its wait on to every later one at the DE1's
    // rate, for seconds. While a block's fsync is in flight, its answer arms the flush instead (a
    // slow disk: each block then waits for at most the fsync before it, and its own).
    if (this.pendingSince === null || (this.timer === null && this.inFlight === null)) {
      const now = performance.now();
      this.pendingSince ??= now;
      if (this.inFlight === null) this.arm(Math.max(0, this.flushedAt + this.fsyncMs / 4 - now));
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
      // one block in flight at a time: its answer arms the next flush
      if (this.inFlight) return;
      this.flushedAt = performance.now();
      this.startFlush();
    }, ms);
    this.timer.unref?.();
  }

  /**
   * A timed flush: writes the waiting records as one block now, and fsyncs it on libuv's thread
   * pool, so a slow disk's fsync does not hold up the event loop (the broker's messages, the
   * server). The records count as durable when the fsync answers ({@link onSynced}).
   */
  private startFlush(): void {
    if (this.pendingCount === 0) return;
    const next = this.next;
    let total: number;
    try {
      total = this.writePending();
    } catch (e) {
      this.failed(e as Error);
      return;
    }
    const batch: InFlight = {
      body: this.pending,
      bytes: this.pendingBytes,
      count: this.pendingCount,
      since: this.pendingSince,
      total,
      next,
      last: this.lastSeq,
    };
    this.inFlight = batch;
    this.pending = this.spare ?? Buffer.allocUnsafeSlow(PENDING_START);
    this.spare = null;
    this.pendingBytes = 0;
    this.pendingCount = 0;
    this.pendingSince = null;
    let answers = next ? 2 : 1;
    let error: Error | null = null;
    const answered = (e: Error | null, ofNext: boolean) => {
      // the next journal's fd may have been closed meanwhile (a failed save dropped it): not ours to judge
      if (e && !(ofNext && batch.next === null)) error ??= e;
      if (--answers === 0) this.synced(batch, error);
    };
    fdatasync(this.fd, (e) => answered(e, false));
    if (next) fdatasync(next.fd, (e) => answered(e, true));
  }

  /** Writes the waiting records as one block to the journal (and the next one, during a save); returns the block's bytes. */
  private writePending(): number {
    const body = this.pending.subarray(0, this.pendingBytes);
    const head = blockHeader(body, this.lastSeq - this.pendingCount + 1);
    writeBlock(this.fd, head, body);
    if (this.next) writeBlock(this.next.fd, head, body);
    return head.length + body.length;
  }

  /** The fsync of the block in flight answered. */
  private synced(batch: InFlight, error: Error | null): void {
    // a flush of its own (a save's, close) fsynced the files since, and took the block over
    if (this.inFlight !== batch) return;
    if (error) {
      this.failed(error);
      return;
    }
    this.inFlight = null;
    this.size += batch.total;
    if (batch.next && this.next === batch.next) this.next.size += batch.total;
    if (batch.body.length <= PENDING_KEEP) this.spare = batch.body;
    if (this.failing) {
      this.failing = false;
      this.onWriteError?.(null, 0);
    }
    if (batch.since !== null) this.onSynced?.(performance.now() - batch.since, batch.last);
    if (this.pendingCount > 0) this.arm(Math.max(0, this.flushedAt + this.fsyncMs / 4 - performance.now()));
    this.wakeQuiet();
  }

  /**
   * Resolves once no timed flush's fsync is in flight (at once when none is). A caller about to
   * fsync synchronously (a save's steps) awaits it first, so that on a disk that serves one fsync
   * at a time its own does not wait behind the journal's while the event loop stands still. It
   * resolves before the next timed flush can begin.
   */
  quiet(): Promise<void> {
    if (!this.inFlight) return Promise.resolve();
    return new Promise((resolve) => this.quietWaiters.push(resolve));
  }

  /**
   * Resolves once no record waits (none unwritten, no fsync in flight), writing and fsyncing what
   * waits at once rather than at its timer, on the I/O threads; it stops waiting after `rounds`
   * fsyncs, for a stream that never pauses. Resolves before the next timed flush can begin. A save
   * awaits it before its synchronous steps, which then find the journal with nothing to fsync.
   */
  async settle(rounds = 3): Promise<void> {
    for (let i = 0; i < rounds && (this.inFlight || this.pendingCount > 0); i++) {
      if (!this.inFlight) {
        if (this.failing) return; // the retry timer has them
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.flushedAt = performance.now();
        this.startFlush();
        if (!this.inFlight) return; // the write failed: reported, and retried by its timer
      }
      await this.quiet();
    }
  }

  /** Resolves the callers of {@link quiet}: no fsync is in flight now. */
  private wakeQuiet(): void {
    if (this.quietWaiters.length === 0) return;
    const waiters = this.quietWaiters;
    this.quietWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * A write or fsync failed: cuts whatever is not known durable off the file(s), puts the block in
   * flight (if any) back before the waiting records, reports the error once until a write works
   * again, and schedules a retry.
   */
  private failed(e: Error): void {
    for (const [fd, size] of [[this.fd, this.size], ...(this.next ? [[this.next.fd, this.next.size]] : [])]) {
      try {
        ftruncateSync(fd, size);
      } catch {
        /* the reader cuts a torn tail anyway */
      }
    }
    const batch = this.inFlight;
    if (batch) {
      this.inFlight = null;
      const merged = Buffer.allocUnsafeSlow(Math.max(PENDING_START, batch.bytes + this.pending.length));
      batch.body.copy(merged, 0, 0, batch.bytes);
      this.pending.copy(merged, batch.bytes, 0, this.pendingBytes);
      this.pending = merged;
      this.pendingBytes += batch.bytes;
      this.pendingCount += batch.count;
      this.pendingSince = batch.since ?? this.pendingSince;
    }
    if (!this.failing) {
      this.failing = true;
      this.onWriteError?.(e, this.pendingCount);
    }
    this.arm(Math.max(this.fsyncMs, 1000));
    this.wakeQuiet();
  }

  /**
   * Writes and fsyncs everything appended so far, here and now (a save's flush, close); this also
   * covers a timed flush's block whose fsync has not answered yet. On failure (disk full, I/O error)
   * the records stay in memory, anything not known durable is cut off the file, a retry is
   * scheduled, and the error is reported to {@link onWriteError} (once, until a write works again)
   * and thrown.
   */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.inFlight;
    if (this.pendingCount === 0 && !batch) return;
    let total = 0;
    try {
      if (this.pendingCount > 0) total = this.writePending();
      fdatasyncSync(this.fd);
      if (this.next) fdatasyncSync(this.next.fd);
    } catch (e) {
      this.failed(e as Error);
      throw e;
    }
    this.inFlight = null; // its answer, when it comes, finds the block taken over
    const before = batch ? batch.total : 0;
    this.size += before + total;
    if (this.next) this.next.size += (batch && batch.next === this.next ? before : 0) + total;
    if (batch && batch.body.length <= PENDING_KEEP) this.spare = batch.body;
    const since = batch?.since ?? this.pendingSince;
    this.pendingBytes = 0;
    this.pendingCount = 0;
    this.pendingSince = null;
    // a burst (or a long write failure) may have grown the buffer: give the memory back
    if (this.pending.length > PENDING_KEEP) this.pending = Buffer.allocUnsafeSlow(PENDING_START);
    if (this.failing) {
      this.failing = false;
      this.onWriteError?.(null, 0);
    }
    if (since !== null) this.onSynced?.(performance.now() - since, this.lastSeq);
    this.wakeQuiet();
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
    if (this.inFlight?.next === next) this.inFlight.next = null;
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
