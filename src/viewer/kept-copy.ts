/**
 * The copy of the server's database this browser keeps between visits (IndexedDB), with the block
 * hashes the server gave for it: on the next visit the page loads it from here and downloads only
 * the blocks whose hashes changed (`/db/hashes`, `/db/blocks`), instead of the whole file over
 * Wi-Fi. One copy per origin (the server's address). Browser-safe; used by the worker.
 */

/** A kept copy: the snapshot's bytes, its id and name, and the server's hashes of its blocks. */
export interface KeptCopy {
  id: string;
  name: string;
  bytes: Uint8Array;
  /** the hash list as the server sent it (`/db/hashes?snapshot=ID`, store/block-delta.ts) */
  hashes: Uint8Array;
}

const DATABASE = "pyde1-viewer";
const STORE = "kept";
const KEY = "database";

/** Opens (creating on first use) the viewer's IndexedDB database. */
function openDb(): Promise<IDBDatabase> {
  return new Promise((done, fail) => {
    const req = indexedDB.open(DATABASE, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => done(req.result);
    req.onerror = () => fail(req.error ?? new Error("IndexedDB would not open"));
  });
}

/** Runs one request on the store and waits for its transaction to finish. */
async function withStore<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((done, fail) => {
      const tx = db.transaction(STORE, mode);
      const req = use(tx.objectStore(STORE));
      tx.oncomplete = () => done(req.result);
      tx.onerror = tx.onabort = () => fail(tx.error ?? new Error("the IndexedDB transaction failed"));
    });
  } finally {
    db.close();
  }
}

/** The kept copy, or null when there is none (or it is not one this code wrote). */
export async function readKeptCopy(): Promise<KeptCopy | null> {
  const value = (await withStore("readonly", (s) => s.get(KEY))) as Partial<KeptCopy> | undefined;
  if (!value || typeof value.id !== "string" || typeof value.name !== "string" || !(value.bytes instanceof Uint8Array) || !(value.hashes instanceof Uint8Array)) return null;
  return value as KeptCopy;
}

/** Replaces the kept copy. */
export async function writeKeptCopy(copy: KeptCopy): Promise<void> {
  await withStore("readwrite", (s) => s.put(copy, KEY));
}

/** Forgets the kept copy. */
export async function forgetKeptCopy(): Promise<void> {
  await withStore("readwrite", (s) => s.delete(KEY));
}
