/**
 * The store: one pyDE1 database held by sql.js, with its schema made current and typed queries
 * grouped by table. Synchronous, no I/O: bytes come in, bytes go out (see persist/ for files).
 */
import type { Database, SqlJsStatic } from "sql.js";
import { CURRENT_VERSION, checkCatalog, inspectSchema, installSchema, upgradeSchema } from "./schema";
import { NotSqliteError } from "./errors";
import { SequenceQueries } from "./sequences";
import { NotificationQueries } from "./notifications";
import { HkvQueries } from "./hkv";
import { ProfileRows } from "./profile-rows";
import { fileImageOf, hasFileImageMethod } from "./sqljs-patches";

/** The 16-byte header every SQLite database file starts with. */
const SQLITE_MAGIC = "SQLite format 3\u0000";

/** Options for {@link Store.open}. */
export interface OpenOptions {
  /** a name for messages, usually the file path */
  file?: string;
  /** allow upgrading an older schema (default true); when false an old file is refused */
  upgrade?: boolean;
  /** called before an upgrade changes anything, e.g. to write a backup of the original bytes */
  beforeUpgrade?: (from: number, to: number) => void;
  /** the caller hands the bytes over: they may be patched in place and used by sql.js without a copy */
  ownsBytes?: boolean;
}

/** What {@link Store.open} found and did. */
export interface OpenReport {
  /** the schema version the bytes had (0 for a new database) */
  readonly fromVersion: number;
  /** the schema version now */
  readonly toVersion: number;
  /** true when the schema was created or upgraded */
  readonly changed: boolean;
}

/** True when the bytes start with SQLite's file header. */
export function isSqlite(bytes: Uint8Array): boolean {
  if (bytes.length < 100) return false;
  for (let i = 0; i < SQLITE_MAGIC.length; i++) if (bytes[i] !== SQLITE_MAGIC.charCodeAt(i)) return false;
  return true;
}

/** One open pyDE1 database. */
export class Store {
  /** the sql.js database (for queries the typed groups do not cover) */
  readonly db: Database;
  /** the name used in messages */
  readonly file: string;
  /** what opening found and did */
  readonly opened: OpenReport;
  /** the `sequence` table */
  readonly sequences: SequenceQueries;
  /** the 13 notification tables */
  readonly notifications: NotificationQueries;
  /** the `persist_hkv` table */
  readonly hkv: HkvQueries;
  /** the `profile` table's rows (parsing and fingerprints live in src/profiles) */
  readonly profiles: ProfileRows;
  private changes = 0;
  private savedAt = 0;
  private closed = false;
  private transactions = 0;

  private constructor(db: Database, file: string, opened: OpenReport) {
    this.db = db;
    this.file = file;
    this.opened = opened;
    const touch = () => {
      this.changes++;
    };
    this.sequences = new SequenceQueries(db, touch);
    this.notifications = new NotificationQueries(db, touch);
    this.hkv = new HkvQueries(db, touch);
    this.profiles = new ProfileRows(db, touch);
    if (opened.changed) this.changes++;
  }

  /**
   * Opens a database from bytes (null or empty = a new database), refusing files that are not
   * pyDE1's or are newer than we know, and bringing older schemas up to date. The bytes are not
   * modified unless they are a Node Buffer sql.js may use directly; header bytes 18–19 are read as
   * rollback-journal mode (sql.js cannot use a WAL).
   */
  static open(SQL: SqlJsStatic, bytes: Uint8Array | null, options: OpenOptions = {}): Store {
    const file = options.file ?? "(memory)";
    let db: Database;
    let fromVersion = 0;
    let toVersion = CURRENT_VERSION;
    let changed = false;
    if (!bytes || bytes.length === 0) {
      db = new SQL.Database();
      tune(db);
      installSchema(db);
      changed = true;
    } else {
      if (!isSqlite(bytes)) throw new NotSqliteError(file);
      db = new SQL.Database(engineView(asRollbackJournal(bytes, options.ownsBytes === true), options.ownsBytes === true));
      try {
        const state = inspectSchema(db, file);
        fromVersion = state.version;
        if (state.empty) {
          installSchema(db);
          changed = true;
        } else if (state.userVersion !== CURRENT_VERSION) {
          if (options.upgrade === false) {
            toVersion = state.userVersion;
          } else {
            options.beforeUpgrade?.(state.userVersion, CURRENT_VERSION);
            toVersion = upgradeSchema(db, state.userVersion);
            changed = true;
          }
          fromVersion = state.userVersion;
        }
        if (toVersion === CURRENT_VERSION) checkCatalog(db, file);
      } catch (e) {
        db.close();
        throw e;
      }
    }
    tune(db);
    return new Store(db, file, { fromVersion, toVersion, changed });
  }

  /** Creates a new, empty v3 database in memory. */
  static create(SQL: SqlJsStatic, file?: string): Store {
    return Store.open(SQL, null, { file });
  }

  /** The schema version (`PRAGMA user_version`). */
  get userVersion(): number {
    return Number(this.db.exec("PRAGMA user_version")[0].values[0][0]);
  }

  /** True when there are changes not yet exported by {@link markSaved}. */
  get dirty(): boolean {
    return this.changes !== this.savedAt;
  }

  /** A counter that grows with every change; lets a saver tell what a snapshot contains. */
  get changeCount(): number {
    return this.changes;
  }

  /** Marks the database changed by work done directly on `db` (outside the typed queries). */
  markChanged(): void {
    this.changes++;
  }

  /** Records that everything up to `changeCount` is saved. */
  markSaved(changeCount = this.changes): void {
    this.savedAt = changeCount;
  }

  /** Runs `work` in one transaction: all of it is written, or none. */
  transaction<T>(work: () => T): T {
    this.db.exec("BEGIN");
    this.transactions++;
    try {
      const result = work();
      this.db.exec("COMMIT");
      return result;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    } finally {
      this.transactions--;
    }
  }

  /** Rows per table, for every table of the database. */
  tableCounts(): Record<string, number> {
    const names = (this.db.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")[0]?.values ?? []).map(
      (r) => String(r[0]),
    );
    const counts: Record<string, number> = {};
    for (const n of names) counts[n] = Number(this.db.exec(`SELECT count(*) FROM "${n.replaceAll('"', '""')}"`)[0].values[0][0]);
    return counts;
  }

  /**
   * The whole database as file bytes (a rollback-journal file: header bytes 18–19 = 1,1). Must
   * not be called inside a transaction. Does not change {@link dirty}; the saver calls markSaved.
   */
  export(): Uint8Array {
    return this.db.export();
  }

  /** True when {@link fileImage} is a view of the engine's own bytes (nothing allocated), false when it is an {@link export}. */
  get fileImageIsView(): boolean {
    return hasFileImageMethod(this.db);
  }

  /**
   * The whole database as file bytes, for writing out at once: a view of the engine's own copy when
   * it offers one (Node's engine, `persist/sqljs-node.ts`: no copy, nothing allocated), else
   * {@link export}. A view is valid only until the store is next written to: write it out before
   * anything else runs, and copy it to keep it. Refused inside {@link transaction}.
   */
  fileImage(): Uint8Array {
    if (this.transactions > 0) {
      throw new Error(`${this.file}: a file image was asked for inside a transaction; save after it commits.`);
    }
    return fileImageOf(this.db) ?? this.db.export();
  }

  /** Frees the engine's memory. The store must not be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/**
 * The bytes as sql.js should get them. sql.js's memory file system keeps a view of a Node Buffer
 * (no copy; later writes land in it) but copies a plain Uint8Array. Bytes handed over become a
 * Buffer view; anyone else's Buffer is copied first, so the caller's bytes never change.
 */
function engineView(bytes: Uint8Array, owned: boolean): Uint8Array {
  const B = (globalThis as { Buffer?: { from(b: ArrayBufferLike, o: number, l: number): Uint8Array; isBuffer(x: unknown): boolean } }).Buffer;
  if (!B) return bytes;
  if (owned) return B.isBuffer(bytes) ? bytes : B.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return B.isBuffer(bytes) ? Uint8Array.prototype.slice.call(bytes) : bytes;
}

/**
 * Settings for a database that lives in sql.js's memory file system: the rollback journal kept in
 * memory and no syncs (nothing there is durable anyway: durability is the journal's and the saved
 * file's job). Neither is stored in the exported file.
 */
function tune(db: Database): void {
  db.exec("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;");
}

/**
 * Makes a database image open in rollback-journal mode: sql.js has no shared memory for a WAL,
 * so a WAL-mode header (bytes 18–19 = 2,2) is read as 1,1. Patches a copy unless `inPlace`.
 */
export function asRollbackJournal(bytes: Uint8Array, inPlace = false): Uint8Array {
  if (bytes[18] === 1 && bytes[19] === 1) return bytes;
  const copy = inPlace ? bytes : Uint8Array.prototype.slice.call(bytes);
  copy[18] = 1;
  copy[19] = 1;
  return copy;
}
