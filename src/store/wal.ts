/**
 * Reading a live pyDE1 file: apply the committed frames of its `-wal` (write-ahead log) to the
 * database image, so that sql.js — which cannot use WAL — sees what the WAL-mode writer has committed.
 *
 * Follows the SQLite file format document, "The Write-Ahead Log", and SQLite's own WAL recovery:
 * - WAL header (32 bytes, big-endian u32s): magic 0x377f0682 (checksum words little-endian) or
 *   0x377f0683 (big-endian), format version 3007000, page size, checkpoint sequence, salt-1, salt-2,
 *   checksum-1, checksum-2 (over the first 24 header bytes).
 * - Frame header (24 bytes): page number, database size in pages after commit (nonzero only on a
 *   commit frame), salt-1, salt-2, checksum-1, checksum-2 — cumulative over the header's checksum,
 *   the first 8 bytes of every frame header so far and every page so far.
 * - A frame is valid only if its page number is nonzero, its salts equal the header's and its
 *   checksum matches; reading stops at the first invalid frame. Only frames up to the last valid
 *   commit frame count; for each page the last copy wins; the last commit sets the database size.
 * - A WAL with a bad magic, a page size that is not a power of two in 512..65536, or a bad header
 *   checksum is ignored (SQLite does the same); a WAL of an unknown format version is an error.
 *
 * Browser-safe: no `node:*` imports.
 */

/** Size of the WAL header, in bytes. */
const WAL_HEADER_SIZE = 32;
/** Size of a WAL frame header, in bytes. */
const FRAME_HEADER_SIZE = 24;
/** The only WAL format version SQLite writes and reads. */
const WAL_FORMAT_VERSION = 3007000;
/** The WAL magic with its lowest bit (checksum byte order) cleared. */
const WAL_MAGIC = 0x377f0682;
/** "SQLite format 3\0", the first 16 bytes of every database file. */
const DB_MAGIC = "SQLite format 3\u0000";

/** Thrown when a WAL cannot be applied to a database image: the message names the problem and the fix. */
export class WalFormatError extends Error {
  override name = "WalFormatError";
}

/** What happened to the WAL given to {@link applyWal}. */
export type WalOutcome =
  /** No WAL, or one shorter than its 32-byte header: nothing to apply. */
  | "absent"
  /** The WAL header was not valid (magic, page size or header checksum); SQLite ignores such a WAL, so did we. */
  | "ignored-bad-header"
  /** The header was valid but no complete, valid commit frame follows it. */
  | "no-commit"
  /** At least one committed transaction was applied. */
  | "applied";

/** The result of {@link applyWal}. */
export interface WalApplyResult {
  /**
   * The database image with the committed WAL frames applied and a rollback-journal header (bytes
   * 18–19 = 1,1). It is the input `db` itself (same view, untouched) when nothing had to change;
   * otherwise a single new copy. The input is never modified. A plain Uint8Array: to hand it to
   * sql.js as a Node Buffer without copying, use `Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)`.
   */
  bytes: Uint8Array;
  /** What happened to the WAL. */
  outcome: WalOutcome;
  /** Why the WAL was ignored, when `outcome` is "ignored-bad-header". */
  reason?: string;
  /** Valid frames up to and including the last valid commit frame: the frames applied. */
  framesApplied: number;
  /** Committed transactions (commit frames) applied. */
  transactions: number;
  /** Complete frames in the WAL that were not applied (invalid, stale, or of an uncommitted transaction). */
  framesIgnored: number;
  /** Distinct pages written from the WAL into the image. */
  pagesWritten: number;
  /** Database size in pages of the result. */
  pageCount: number;
  /** Page size in bytes (from the database header, or the WAL's when the image is empty); 0 if both are empty. */
  pageSize: number;
  /** Whether `bytes` is a new copy (true) or the input view (false). */
  copied: boolean;
}

/** Options of {@link applyWal}. */
export interface ApplyWalOptions {
  /**
   * The caller hands `db` over: frames and the header are written into it when it is large
   * enough (no copy of a large image); the result may then be a view of `db`.
   */
  inPlace?: boolean;
  /**
   * With `inPlace`: only the first `fileLength` bytes of `db` are the file; the rest is spare room
   * the result may grow into (size it with {@link walCommittedSize}), so a WAL that grew the
   * database needs no copy either.
   */
  fileLength?: number;
}

/** The parsed, checked WAL header. */
interface WalHeader {
  bigEndian: boolean;
  pageSize: number;
  salt1: number;
  salt2: number;
  cksum: [number, number];
}

/**
 * Applies the committed frames of a SQLite write-ahead log to a database image, so sql.js sees what
 * a live WAL-mode writer (pyDE1) has committed. Pass `wal` as null/undefined/empty when there is no
 * `-wal` file. The input arrays are never modified; the image is copied at most once, and only when
 * something must change (frames to apply, or a WAL-mode header 2,2 to turn into 1,1). A database
 * with a rollback-journal header and nothing to apply comes back as the same view. Peak memory
 * when frames are applied: the input plus one image of the committed size.
 *
 * An empty image (e.g. copied while the writer created it) is rebuilt from the WAL alone when its
 * committed frames hold page 1; native SQLite would instead discard such a WAL.
 * @throws WalFormatError if the image is not a SQLite database, the WAL's format version is unknown,
 *   or the WAL's page size differs from the database's.
 */
export function applyWal(image: Uint8Array, wal?: Uint8Array | null, options: ApplyWalOptions = {}): WalApplyResult {
  const inPlace = options.inPlace === true;
  const room = inPlace ? image : image.subarray(0, 0);
  const db = options.fileLength === undefined ? image : image.subarray(0, options.fileLength);
  const dbPageSize = db.length === 0 ? 0 : readDbPageSize(db);
  const base = { framesApplied: 0, transactions: 0, framesIgnored: 0, pagesWritten: 0 };
  const unchanged = (outcome: WalOutcome, reason?: string): WalApplyResult => ({
    ...finishHeaderOnly(db, dbPageSize, inPlace),
    ...base,
    outcome,
    ...(reason === undefined ? {} : { reason }),
  });

  if (!wal || wal.length < WAL_HEADER_SIZE) return unchanged("absent");
  const parsed = readWalHeader(wal);
  if (typeof parsed === "string") return unchanged("ignored-bad-header", parsed);
  const header = parsed;
  if (dbPageSize !== 0 && header.pageSize !== dbPageSize) {
    throw new WalFormatError(
      `the WAL's page size (${header.pageSize}) differs from the database's (${dbPageSize}): ` +
        "this -wal file does not belong to this database; open the database without it, or copy the matching pair of files",
    );
  }
  const pageSize = header.pageSize;
  const { latest, framesApplied, transactions, dbPages, framesInFile } = scanFrames(wal, header);
  if (transactions === 0) return { ...unchanged("no-commit"), framesIgnored: framesInFile };

  // Copy once (the kept prefix of the image, then the committed pages, then the header), or, when
  // the caller hands the image over and it (with its spare room) is large enough, write into it.
  const size = dbPages * pageSize;
  const reuse = room.length >= size;
  const out = reuse ? room.subarray(0, size) : new Uint8Array(size);
  if (!reuse) out.set(db.length > out.length ? db.subarray(0, out.length) : db);
  else if (size > db.length) out.fill(0, db.length); // past the old end reads as zeros, as in a file
  let pagesWritten = 0;
  for (const [pgno, dataOff] of latest) {
    if (pgno > dbPages) continue; // truncated away by a later commit
    out.set(wal.subarray(dataOff, dataOff + pageSize), (pgno - 1) * pageSize);
    pagesWritten++;
  }
  if (out.length < 100 || !hasDbMagic(out)) {
    throw new WalFormatError(
      "the database image is empty and the WAL's committed frames do not contain a valid page 1: " +
        "the -wal file belongs to another database or is damaged; open the database without it",
    );
  }
  setRollbackHeader(out, dbPages);
  return {
    bytes: out,
    outcome: "applied",
    framesApplied,
    transactions,
    framesIgnored: framesInFile - framesApplied,
    pagesWritten,
    pageCount: dbPages,
    pageSize,
    copied: !reuse,
  };
}

/** What one pass over a WAL's frames found. */
interface FrameScan {
  /** page number → offset of its last committed copy's data in the WAL */
  latest: Map<number, number>;
  framesApplied: number;
  transactions: number;
  /** database size in pages after the last valid commit */
  dbPages: number;
  framesInFile: number;
}

/** Validates frames in order, remembering the last copy of each page up to the last valid commit. */
function scanFrames(wal: Uint8Array, header: WalHeader): FrameScan {
  const pageSize = header.pageSize;
  const frameSize = FRAME_HEADER_SIZE + pageSize;
  const framesInFile = Math.floor((wal.length - WAL_HEADER_SIZE) / frameSize);
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const latest = new Map<number, number>();
  const pending = new Map<number, number>(); // frames of the transaction being read
  let cksum: [number, number] = header.cksum;
  let framesApplied = 0;
  let transactions = 0;
  let dbPages = 0;
  for (let i = 0; i < framesInFile; i++) {
    const off = WAL_HEADER_SIZE + i * frameSize;
    const pgno = view.getUint32(off);
    const commitSize = view.getUint32(off + 4);
    if (pgno === 0) break;
    if (view.getUint32(off + 8) !== header.salt1 || view.getUint32(off + 12) !== header.salt2) break;
    cksum = checksum(view, off, 8, header.bigEndian, cksum);
    cksum = checksum(view, off + FRAME_HEADER_SIZE, pageSize, header.bigEndian, cksum);
    if (cksum[0] !== view.getUint32(off + 16) || cksum[1] !== view.getUint32(off + 20)) break;
    pending.set(pgno, off + FRAME_HEADER_SIZE);
    if (commitSize !== 0) {
      for (const [p, o] of pending) latest.set(p, o);
      pending.clear();
      framesApplied = i + 1;
      transactions++;
      dbPages = commitSize;
    }
  }
  return { latest, framesApplied, transactions, dbPages, framesInFile };
}

/**
 * The size in bytes of the database image once the WAL's committed frames are applied, or 0 when
 * nothing would be applied (no WAL, a header SQLite would ignore, no commit). Lets a reader allocate
 * room for the file and its growth at once (see {@link ApplyWalOptions.fileLength}).
 */
export function walCommittedSize(wal: Uint8Array | null | undefined): number {
  if (!wal || wal.length < WAL_HEADER_SIZE) return 0;
  const header = readWalHeader(wal);
  if (typeof header === "string") return 0;
  return scanFrames(wal, header).dbPages * header.pageSize;
}

/** Returns the checked header, or a string saying why SQLite would ignore this WAL. */
function readWalHeader(wal: Uint8Array): WalHeader | string {
  const view = new DataView(wal.buffer, wal.byteOffset, WAL_HEADER_SIZE);
  const magic = view.getUint32(0);
  if ((magic & 0xfffffffe) >>> 0 !== WAL_MAGIC) {
    return `bad WAL magic 0x${magic.toString(16).padStart(8, "0")} (expected 0x377f0682 or 0x377f0683)`;
  }
  const pageSize = view.getUint32(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    return `bad WAL page size ${pageSize} (must be a power of two from 512 to 65536)`;
  }
  const bigEndian = (magic & 1) === 1;
  const cksum = checksum(view, 0, 24, bigEndian, [0, 0]);
  if (cksum[0] !== view.getUint32(24) || cksum[1] !== view.getUint32(28)) {
    return "bad WAL header checksum";
  }
  const version = view.getUint32(4);
  if (version !== WAL_FORMAT_VERSION) {
    throw new WalFormatError(
      `unknown WAL format version ${version} (this reader knows ${WAL_FORMAT_VERSION}): ` +
        "let the writing SQLite checkpoint the database (e.g. `sqlite3 FILE 'PRAGMA wal_checkpoint'`) and read it again",
    );
  }
  return { bigEndian, pageSize, salt1: view.getUint32(16), salt2: view.getUint32(20), cksum };
}

/**
 * The WAL checksum of `length` bytes (a multiple of 8) at `offset`, continued from `seed`:
 * for each pair of 32-bit words x0, x1: s0 += x0 + s1; s1 += x1 + s0 (mod 2^32).
 */
function checksum(
  view: DataView,
  offset: number,
  length: number,
  bigEndian: boolean,
  seed: readonly [number, number],
): [number, number] {
  let s0 = seed[0];
  let s1 = seed[1];
  const little = !bigEndian;
  const end = offset + length;
  for (let i = offset; i < end; i += 8) {
    s0 = (s0 + view.getUint32(i, little) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, little) + s0) >>> 0;
  }
  return [s0, s1];
}

/** No frames to apply: return the image as is, or a copy with a rollback-journal header if it needs one. */
function finishHeaderOnly(
  db: Uint8Array,
  pageSize: number,
  inPlace = false,
): Pick<WalApplyResult, "bytes" | "pageCount" | "pageSize" | "copied"> {
  if (db.length === 0) return { bytes: db, pageCount: 0, pageSize: 0, copied: false };
  const pageCount = Math.ceil(db.length / pageSize);
  if (db[18] === 1 && db[19] === 1) return { bytes: db, pageCount, pageSize, copied: false };
  if (inPlace) {
    setRollbackHeader(db, pageCount);
    return { bytes: db, pageCount, pageSize, copied: false };
  }
  const out = new Uint8Array(db.length); // not db.slice(): on a Node Buffer that is a view, not a copy
  out.set(db);
  setRollbackHeader(out, pageCount);
  return { bytes: out, pageCount, pageSize, copied: true };
}

/**
 * Makes the header say "rollback journal" (bytes 18–19 = 1,1) and `pageCount` pages (offset 28),
 * and bumps the file change counter (offset 24) with version-valid-for (offset 92) equal to it, so
 * SQLite trusts the in-header size.
 */
function setRollbackHeader(image: Uint8Array, pageCount: number): void {
  const view = new DataView(image.buffer, image.byteOffset, 100);
  image[18] = 1;
  image[19] = 1;
  const counter = (view.getUint32(24) + 1) >>> 0;
  view.setUint32(24, counter);
  view.setUint32(28, pageCount);
  view.setUint32(92, counter);
}

/** Whether the image starts with "SQLite format 3\0". */
function hasDbMagic(image: Uint8Array): boolean {
  for (let i = 0; i < DB_MAGIC.length; i++) if (image[i] !== DB_MAGIC.charCodeAt(i)) return false;
  return true;
}

/** The page size from a database header (offset 16, big-endian; 1 means 65536). */
function readDbPageSize(db: Uint8Array): number {
  if (db.length < 100 || !hasDbMagic(db)) {
    throw new WalFormatError(
      "the database image is not a SQLite database (no \"SQLite format 3\" header): " +
        "check that the file is a pyDE1 database, not its -wal, -shm or a damaged copy",
    );
  }
  const raw = (db[16]! << 8) | db[17]!;
  const size = raw === 1 ? 65536 : raw;
  if (size < 512 || (size & (size - 1)) !== 0) {
    throw new WalFormatError(`the database header's page size (${raw}) is invalid: the file is damaged`);
  }
  return size;
}
