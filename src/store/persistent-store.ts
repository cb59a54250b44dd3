/**
 * A Store tied to where its bytes live: open = load + open (+ upgrade, with a backup first),
 * save = export when dirty + persist, close = save + release. Browser-safe: the adapter decides
 * where the bytes go.
 */
import type { SqlJsStatic } from "sql.js";
import type { Persistence } from "./persist/persistence";
import { Store } from "./store";

/** Options for {@link PersistentStore.open}. */
export interface PersistentOpenOptions {
  /** upgrade an older schema (default true); read-only users pass false */
  upgrade?: boolean;
  /** writes a backup of the original before an upgrade; returns its name (file adapter: `backup()`) */
  backup?: () => string;
}

/** An open Store and the persistence it saves to. */
export class PersistentStore {
  /** the backup written before an upgrade, if one was */
  backupPath: string | null = null;
  /** how many saves wrote bytes */
  saves = 0;

  private constructor(
    /** the open database */
    readonly store: Store,
    /** where it is saved */
    readonly persistence: Persistence,
  ) {}

  /** Loads the bytes (none = a new database) and opens them, upgrading after a backup. */
  static async open(SQL: SqlJsStatic, persistence: Persistence, options: PersistentOpenOptions = {}): Promise<PersistentStore> {
    const bytes = await persistence.load();
    let backupPath: string | null = null;
    const store = Store.open(SQL, bytes, {
      file: persistence.name,
      upgrade: options.upgrade,
      ownsBytes: true, // Persistence.load gives bytes nobody else uses
      beforeUpgrade: () => {
        if (options.backup) backupPath = options.backup();
      },
    });
    const ps = new PersistentStore(store, persistence);
    ps.backupPath = backupPath;
    return ps;
  }

  /** Saves when there are unsaved changes. Returns true when bytes were written. */
  async save(): Promise<boolean> {
    if (!this.store.dirty) return false;
    const count = this.store.changeCount;
    await this.persistence.save(this.store.fileImage());
    this.store.markSaved(count);
    this.saves++;
    return true;
  }

  /** Saves (when dirty), releases the adapter and frees the database. */
  async close(): Promise<void> {
    try {
      await this.save();
    } finally {
      await this.persistence.close();
      this.store.close();
    }
  }
}
