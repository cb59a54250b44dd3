/**
 * Opening a database file for a CLI command: for writing (lock, upgrade with backup, refuse a
 * foreign writer) or for reading (the `-wal` applied, nothing written).
 */
import { existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import { loadNodeSqlJs } from "../store/persist/sqljs-node";
import { FilePersistence } from "../store/persist/file";
import { PersistentStore } from "../store/persistent-store";
import { StoreError } from "../store/errors";
import { lockHolder } from "../store/persist/lock-file";

/** Opens FILE to write to it; creates a new database when it is missing and `create` allows. */
export async function openForWrite(path: string, options: { create?: boolean; upgrade?: boolean } = {}): Promise<PersistentStore> {
  if (!existsSync(path) && options.create === false) {
    throw new StoreError(path, `${path}: no such file. Check the path, or create one with 'pyde1-store init --db ${path}'.`);
  }
  const SQL = await loadNodeSqlJs();
  const file = FilePersistence.open(path, { mode: "write" });
  try {
    return await PersistentStore.open(SQL, file, { upgrade: options.upgrade, backup: () => file.backup() });
  } catch (e) {
    await file.close();
    throw e;
  }
}

/** Opens FILE to read it, with a live writer's `-wal` applied; never writes to it. */
export async function openForRead(path: string): Promise<PersistentStore> {
  if (!existsSync(path)) {
    const recorder = lockHolder(path);
    if (recorder !== null) {
      throw new StoreError(
        path,
        `${path}: not written yet: the recorder (pyde1-store process ${recorder}) records into it and writes it at its first save ` +
          `(when a sequence ends, or after a minute without one); ${basename(path)}.journal holds what it received meanwhile. Try again then.`,
      );
    }
    throw new StoreError(path, `${path}: no such file. Check the path.`);
  }
  const file = FilePersistence.open(path, { mode: "read" }); // refuses a folder
  if (statSync(path).size === 0) {
    await file.close();
    throw new StoreError(path, `${path}: the file is empty, not a pyDE1 database.`);
  }
  const SQL = await loadNodeSqlJs();
  return PersistentStore.open(SQL, file, { upgrade: false });
}

/** Closes a read-only database without saving. */
export async function closeRead(ps: PersistentStore): Promise<void> {
  ps.store.close();
  await ps.persistence.close();
}

/** Saves a store's current state now (raw SQL writes, such as copied rows, do not mark the store dirty). */
export async function saveNow(ps: PersistentStore): Promise<void> {
  const count = ps.store.changeCount;
  await ps.persistence.save(ps.store.fileImage());
  ps.store.markSaved(count);
}
