/**
 * Where the server's database comes from: a file on disk (read with its `-wal` applied, never
 * written), or a Store held by the same process (the recorder's in-memory database). The server only
 * asks for a consistent snapshot of the bytes and for an open Store to query.
 */
import { existsSync, statSync, type Stats } from "node:fs";
import { resolve } from "node:path";
import type { SqlJsStatic } from "sql.js";
import { loadNodeSqlJs } from "../store/persist/sqljs-node";
import { readDatabaseFile } from "../store/persist/file";
import { Store } from "../store/store";
import { StoreError } from "../store/errors";

/** A database the server can serve. */
export interface DatabaseSource {
  /** a name for messages and the `/db` download, usually the file path */
  readonly name: string;
  /** the whole database as SQLite file bytes (rollback-journal header), consistent at one moment */
  snapshot(): Uint8Array;
  /** an open Store over the same data, for the JSON API; the source owns it (do not close it) */
  store(): Store;
  /** a text that changes whenever the data may have changed; the server polls it to send change events */
  version?(): string;
  /** releases what the source holds */
  close?(): void;
}

/** The identity of a file's current contents (size, mtime, inode), or "-" when it is absent. */
function stamp(path: string): string {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return "-";
  }
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

/**
 * A database file read with its `-wal` applied (what a live pyDE1 has committed). Bytes and Store are
 * cached until the file or its `-wal` changes on disk.
 */
export class FileSource implements DatabaseSource {
  readonly name: string;
  private cached: { version: string; bytes: Uint8Array; store: Store | null } | null = null;

  private constructor(
    path: string,
    private readonly SQL: SqlJsStatic,
  ) {
    this.name = path;
  }

  /**
   * Opens FILE for serving; checks now that it exists and is a pyDE1 database, then lets the engine's
   * copy go (the Store is made again on the first API request, so serving only `/db` keeps one copy).
   */
  static async open(path: string): Promise<FileSource> {
    const full = resolve(path);
    if (!existsSync(full)) throw new StoreError(full, `${full}: no such file. Check the path.`);
    const source = new FileSource(full, await loadNodeSqlJs());
    source.store();
    source.releaseStore();
    return source;
  }

  /** Frees the engine's copy of the database until the API needs it again. */
  releaseStore(): void {
    if (!this.cached?.store) return;
    this.cached.store.close();
    this.cached.store = null;
  }

  version(): string {
    return `${stamp(this.name)}|${stamp(`${this.name}-wal`)}`;
  }

  snapshot(): Uint8Array {
    return this.current().bytes;
  }

  store(): Store {
    const c = this.current();
    if (!c.store) {
      const copy = Buffer.from(c.bytes);
      c.store = Store.open(this.SQL, copy, { file: this.name, upgrade: false, ownsBytes: true });
    }
    return c.store;
  }

  close(): void {
    this.cached?.store?.close();
    this.cached = null;
  }

  /** Reads file and `-wal` again when either changed; retries when they change while being read. */
  private current(): { version: string; bytes: Uint8Array; store: Store | null } {
    for (let attempt = 0; ; attempt++) {
      const before = this.version();
      if (this.cached && this.cached.version === before) return this.cached;
      const { bytes } = readDatabaseFile(this.name, true);
      if (this.version() !== before && attempt < 5) continue;
      if (bytes.length === 0) throw new StoreError(this.name, `${this.name}: the file is empty, not a pyDE1 database.`);
      this.cached?.store?.close();
      this.cached = { version: before, bytes, store: null };
      return this.cached;
    }
  }
}

/**
 * A Store held by this process (e.g. the recorder's): snapshots are copies of its file bytes, cached
 * until its change count moves. `get` is asked every time, so the holder may swap stores.
 */
export class StoreSource implements DatabaseSource {
  private cached: { count: number; store: Store; bytes: Uint8Array } | null = null;

  constructor(
    readonly name: string,
    private readonly get: () => Store,
  ) {}

  snapshot(): Uint8Array {
    const store = this.get();
    const count = store.changeCount;
    if (this.cached && this.cached.store === store && this.cached.count === count) return this.cached.bytes;
    // a copy of the engine's own bytes where it offers a view (Node): one copy, where export()
    // also closes and reopens the engine's connection (100 MB: 53-61 against 107-124 ms here, and
    // under `start` the recorder waits for it)
    const image = store.fileImage();
    const bytes = store.fileImageIsView ? Uint8Array.prototype.slice.call(image) : image;
    this.cached = { count, store, bytes };
    return bytes;
  }

  store(): Store {
    return this.get();
  }
}
