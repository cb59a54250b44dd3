/**
 * The new file a save writes a database image into (Node only), written around the page cache
 * where the system allows it (`O_DIRECT`). A save writes the whole file; through the page cache
 * that means copying it into fresh cache pages first and writing them back at the fsync. On the
 * benchmark machine the same 100 MB save took 87–422 ms that way, depending on how dear fresh
 * memory was that minute, and on a Raspberry Pi the cache copy is as large as the database the
 * process already holds, in a machine with little to spare. Written directly, the disk takes the
 * bytes from our own memory: 74–109 ms for 100 MB, as `cp` + `sync` (BENCHMARKS.md), nothing left
 * in the page cache, and the fsync has only metadata to write.
 *
 * Direct writes need offsets, lengths and memory aligned to the block size. What is not aligned
 * (a view that does not start on a page, a file whose length is not a multiple of 4 KiB, a file
 * system that refuses `O_DIRECT`) is written through the page cache as before, from where the
 * direct writes stopped.
 */
import { closeSync, constants, fdatasync, fsync, fsyncSync, openSync, write, writeSync } from "node:fs";
import { promisify } from "node:util";

/** The alignment direct writes keep to (offsets, lengths, memory): a page, a multiple of the block sizes in use. */
export const DIRECT_ALIGN = 4096;

/** Direct writes go in pieces of this size (fewer, larger requests; the gain stops around here). */
const DIRECT_PIECE = 16 << 20;

const O_DIRECT: number = (constants as { O_DIRECT?: number }).O_DIRECT ?? 0;
const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);
const fdatasyncAsync = promisify(fdatasync);

/** The errors a system gives when it will not write this memory, offset or file directly. */
const REFUSALS = new Set(["EINVAL", "EOPNOTSUPP", "ENOTSUP"]);

/** True for an error that means "not directly": the bytes then go through the page cache. */
const refusedDirect = (e: unknown) => REFUSALS.has((e as NodeJS.ErrnoException).code ?? "");

/** One write of an image: `length` bytes at `offset` of the file (and of the image), on `fd`. */
interface Piece {
  fd: number;
  offset: number;
  length: number;
}

/** A new file (created or truncated) being written with a database image. */
export class ImageFile {
  /** the descriptor opened with `O_DIRECT`, or -1 */
  private direct: number;
  /** the descriptor through the page cache, opened when first needed, or -1 */
  private cached = -1;
  /** bytes the last write sent around the page cache (for figures and tests) */
  directBytes = 0;

  private constructor(
    /** the file's path */
    readonly path: string,
    direct: number,
  ) {
    this.direct = direct;
  }

  /**
   * Creates (or truncates) `path` with permissions `mode`, for writing directly when `direct` and
   * the system allows it.
   */
  static create(path: string, mode: number, direct = true): ImageFile {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC;
    if (direct && O_DIRECT) {
      try {
        return new ImageFile(path, openSync(path, flags | O_DIRECT, mode));
      } catch (e) {
        if (!refusedDirect(e)) throw e; // this file system has no direct I/O: through the cache
      }
    }
    const file = new ImageFile(path, -1);
    file.cached = openSync(path, flags, mode);
    return file;
  }

  /** A descriptor of the file, for fchmod, fchown and fsync. */
  get fd(): number {
    return this.cached >= 0 ? this.cached : this.direct;
  }

  /** The length from the start of `bytes` that can be written directly. */
  private directSpan(bytes: Uint8Array): number {
    if (this.direct < 0 || bytes.byteOffset % DIRECT_ALIGN !== 0) return 0;
    return bytes.length - (bytes.length % DIRECT_ALIGN);
  }

  /** The descriptor through the page cache, opened on first use (the file already exists). */
  private cachedFd(): number {
    if (this.cached < 0) this.cached = openSync(this.path, constants.O_WRONLY);
    return this.cached;
  }

  /**
   * The writes of `bytes` from the start of the file, in order, `pieceBytes` (rounded down to the
   * alignment) at a time: directly as far as allowed, then through the cache. Each yield is sent
   * back the bytes that write wrote, or has its error thrown in: a refusal of direct I/O sends the
   * rest through the cache, any other error ends the plan.
   */
  private *plan(bytes: Uint8Array, pieceBytes: number): Generator<Piece, void, number> {
    const piece = Math.max(DIRECT_ALIGN, pieceBytes - (pieceBytes % DIRECT_ALIGN));
    let span = this.directSpan(bytes);
    let off = 0;
    while (off < span) {
      try {
        off += yield { fd: this.direct, offset: off, length: Math.min(span - off, piece) };
      } catch (e) {
        if (!refusedDirect(e)) throw e;
        span = off; // this memory or offset is refused: the rest through the cache
      }
      if (off % DIRECT_ALIGN !== 0) span = off; // a short write: what follows is no longer aligned
    }
    this.directBytes = off;
    while (off < bytes.length) off += yield { fd: this.cachedFd(), offset: off, length: Math.min(bytes.length - off, piece) };
  }

  /** Writes all of `bytes` from the start of the file, directly as far as allowed. */
  writeAllSync(bytes: Uint8Array): void {
    const plan = this.plan(bytes, DIRECT_PIECE);
    for (let step = plan.next(); !step.done; ) {
      const { fd, offset, length } = step.value;
      let written: number;
      try {
        written = writeSync(fd, bytes, offset, length, offset);
      } catch (e) {
        step = plan.throw(e);
        continue;
      }
      step = plan.next(written);
    }
  }

  /**
   * {@link writeAllSync} on Node's I/O threads, `pieceBytes` at a time, so the event loop goes on
   * meanwhile, with an `fdatasync` each time another `flushBytes` are written (0: none). A written
   * byte is not yet durable (a direct write may wait in the disk's own cache), and another file's
   * fsync on the same disk — the recorder's journal — was measured waiting for a large save's
   * unflushed bytes (BENCHMARKS.md); flushing as it goes leaves at most `flushBytes` of them. The
   * caller keeps `bytes` unchanged until it settles.
   */
  async writeAll(bytes: Uint8Array, pieceBytes = 1 << 20, flushBytes = 0): Promise<void> {
    const plan = this.plan(bytes, pieceBytes);
    let unflushed = 0;
    for (let step = plan.next(); !step.done; ) {
      const { fd, offset, length } = step.value;
      let written: number;
      try {
        written = (await writeAsync(fd, bytes, offset, length, offset)).bytesWritten;
      } catch (e) {
        step = plan.throw(e);
        continue;
      }
      step = plan.next(written);
      unflushed += written;
      if (flushBytes > 0 && unflushed >= flushBytes) {
        await fdatasyncAsync(fd); // its failure fails the save, as the final fsync's would
        unflushed = 0;
      }
    }
  }

  /** Makes the file's data and metadata durable. */
  syncSync(): void {
    fsyncSync(this.fd);
  }

  /** {@link syncSync} on Node's I/O threads. */
  async sync(): Promise<void> {
    await fsyncAsync(this.fd);
  }

  /** Closes the descriptors; never throws (the save's own error, if any, is the one that matters). */
  close(): void {
    for (const fd of [this.direct, this.cached]) {
      if (fd < 0) continue;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.direct = this.cached = -1;
  }
}
