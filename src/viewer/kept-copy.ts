/**
 * The copy of the server's database this browser keeps between visits (IndexedDB), with the block
 * hashes the server gave for it: on the next visit the page loads it from here and downloads only
 * the blocks whose hashes changed (`/db/hashes`, `/db/blocks`), instead of the whole file over
 * Wi-Fi. One copy per origin (the server's address). Browser-safe; used by the worker.
 *
 * The bytes are stored in pieces of {@link PIECE_BYTES}, each its own record, beside one record
 * that describes the copy (its snapshot id, name, length and hash list). Keeping a newer snapshot
 * rewrites only the pieces whose blocks the two hash lists say differ (after a shot into a 100 MB
 * file, ~4 MB rather than 100 MB), in one transaction with the description, so the pieces and the
 * hash list always describe the same bytes.
 */
import { changedBlocks, readHashList, type HashList } from "../store/block-delta";

/** A kept copy: the snapshot's bytes, its id and name, and the server's hashes of its blocks. */
export interface KeptCopy {
  id: string;
  name: string;
  bytes: Uint8Array;
  /** the hash list as the server sent it (`/db/hashes?snapshot=ID`, store/block-delta.ts) */
  hashes: Uint8Array;
}

/** What the description record holds. */
interface Description {
  id: string;
  name: string;
  length: number;
  pieceBytes: number;
  hashes: Uint8Array;
}

/** The size of a stored piece (16 blocks of 4 KB). */
export const PIECE_BYTES = 64 * 1024;

/** Pieces read in one request when the copy is loaded (8 MB). */
const READ_PIECES = 128;
/** Pieces put before waiting for the last of them (8 MB), so a keep holds at most that much in passing. */
const WRITE_PIECES = 128;

const DATABASE = "pyde1-viewer";
/** 2: the bytes in pieces (1 held them in one record, which is dropped on upgrade). */
const VERSION = 2;
const KEPT = "kept";
const PIECES = "pieces";
const KEY = "database";

/** Opens (creating or upgrading on first use) the viewer's IndexedDB database. */
function openDb(): Promise<IDBDatabase> {
  return new Promise((done, fail) => {
    const req = indexedDB.open(DATABASE, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const name of [KEPT, PIECES]) {
        if (db.objectStoreNames.contains(name)) db.deleteObjectStore(name);
        db.createObjectStore(name);
      }
    };
    req.onsuccess = () => done(req.result);
    req.onerror = () => fail(req.error ?? new Error("IndexedDB would not open"));
  });
}

/**
 * Runs `use` in one transaction over both stores and waits for the transaction to finish; `use`
 * makes its requests from IndexedDB's callbacks only (a transaction ends at the first await of
 * anything else). Resolves with what `use` set as the answer.
 */
async function inTransaction<T>(mode: IDBTransactionMode, use: (kept: IDBObjectStore, pieces: IDBObjectStore, answer: (value: T) => void) => void): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((done, fail) => {
      const tx = db.transaction([KEPT, PIECES], mode);
      let value: T;
      tx.oncomplete = () => done(value);
      tx.onerror = tx.onabort = () => fail(tx.error ?? new Error("the IndexedDB transaction failed"));
      try {
        use(tx.objectStore(KEPT), tx.objectStore(PIECES), (v) => (value = v));
      } catch (e) {
        tx.abort();
        fail(e);
      }
    });
  } finally {
    db.close();
  }
}

/** The description, when the record is one this code wrote. */
function description(value: unknown): Description | null {
  const d = value as Partial<Description> | undefined;
  const whole = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  if (!d || typeof d.id !== "string" || typeof d.name !== "string" || !whole(d.length) || d.pieceBytes !== PIECE_BYTES || !(d.hashes instanceof Uint8Array)) return null;
  return d as Description;
}

/** How many pieces hold `length` bytes. */
const piecesOf = (length: number) => Math.ceil(length / PIECE_BYTES);

/** The kept copy, or null when there is none (or it is not whole, or not one this code wrote). */
export async function readKeptCopy(): Promise<KeptCopy | null> {
  return inTransaction<KeptCopy | null>("readonly", (kept, pieces, answer) => {
    answer(null);
    const got = kept.get(KEY);
    got.onsuccess = () => {
      const d = description(got.result);
      if (!d) return;
      if (d.length === 0) return answer({ id: d.id, name: d.name, bytes: new Uint8Array(0), hashes: d.hashes });
      // read a few MB of pieces at a time, each copied into place, so the copy is never held twice
      const count = piecesOf(d.length);
      const bytes = new Uint8Array(d.length);
      const readFrom = (first: number): void => {
        const last = Math.min(count, first + READ_PIECES) - 1;
        const some = pieces.getAll(IDBKeyRange.bound(first, last));
        some.onsuccess = () => {
          const parts = some.result as unknown[];
          if (parts.length !== last - first + 1) return; // a piece is missing: no copy
          for (let i = 0; i < parts.length; i++) {
            const p = first + i;
            const part = parts[i];
            if (!(part instanceof Uint8Array) || part.length !== Math.min(PIECE_BYTES, d.length - p * PIECE_BYTES)) return;
            bytes.set(part, p * PIECE_BYTES);
          }
          if (last + 1 < count) readFrom(last + 1);
          else answer({ id: d.id, name: d.name, bytes, hashes: d.hashes });
        };
      };
      readFrom(0);
    };
  });
}

/**
 * The pieces of `copy` that differ from the kept copy described by `held`: those holding a block
 * whose hash changed or that `held` lacks, and the last one when the length changed; every piece
 * when there is no usable description.
 */
function piecesToWrite(held: Description | null, copy: KeptCopy, next: HashList): number[] {
  const count = piecesOf(copy.bytes.length);
  const every = () => Array.from({ length: count }, (_, p) => p);
  if (!held) return every();
  let before: HashList;
  try {
    before = readHashList(held.hashes);
  } catch {
    return every();
  }
  if (before.length !== held.length || before.blockSize !== next.blockSize || before.hashBytes !== next.hashBytes || PIECE_BYTES % next.blockSize !== 0) return every();
  const out = new Set(changedBlocks(before, next).map((b) => Math.floor((b * next.blockSize) / PIECE_BYTES)));
  if (held.length !== copy.bytes.length && count > 0) out.add(count - 1);
  return [...out].sort((a, b) => a - b);
}

/**
 * Keeps `copy` in place of the kept copy, writing only the pieces that changed. Returns the bytes
 * of the pieces written.
 */
export async function writeKeptCopy(copy: KeptCopy): Promise<number> {
  const next = readHashList(copy.hashes);
  if (next.length !== copy.bytes.length) throw new Error(`the hash list is of ${next.length} bytes, the copy of ${copy.bytes.length}`);
  return inTransaction<number>("readwrite", (kept, pieces, answer) => {
    answer(0);
    const got = kept.get(KEY);
    got.onsuccess = () => {
      const count = piecesOf(copy.bytes.length);
      const toWrite = piecesToWrite(description(got.result), copy, next);
      let written = 0;
      // WRITE_PIECES at a time, the next batch once the last put of this one succeeded (still in
      // the one transaction): each put's copy of its piece is held until its request completes,
      // and all at once that was a second copy of the file (measured: 53 MB for a 26 MB file)
      const writeFrom = (first: number) => {
        let put: IDBRequest | null = null;
        for (const p of toWrite.slice(first, first + WRITE_PIECES)) {
          const piece = copy.bytes.slice(p * PIECE_BYTES, Math.min(copy.bytes.length, (p + 1) * PIECE_BYTES));
          put = pieces.put(piece, p);
          written += piece.length;
        }
        if (put && first + WRITE_PIECES < toWrite.length) {
          put.onsuccess = () => writeFrom(first + WRITE_PIECES);
          return;
        }
        pieces.delete(IDBKeyRange.lowerBound(count)); // a shorter copy: its old tail
        const d: Description = { id: copy.id, name: copy.name, length: copy.bytes.length, pieceBytes: PIECE_BYTES, hashes: copy.hashes };
        kept.put(d, KEY);
        answer(written);
      };
      writeFrom(0);
    };
  });
}

/** Forgets the kept copy. */
export async function forgetKeptCopy(): Promise<void> {
  await inTransaction<null>("readwrite", (kept, pieces, answer) => {
    answer(null);
    kept.delete(KEY);
    pieces.clear();
  });
}
