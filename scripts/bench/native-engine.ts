/**
 * Benchmark only: the part of sql.js's API that our Store uses on the recorder's path, served by
 * better-sqlite3 (native SQLite, a database in memory), so our own recorder, store and journal can
 * be timed on native SQLite. The cold ingest's "ours on native SQLite" row separates what sql.js
 * costs from what being a recorder costs. Not used by the product: the mission keeps sql.js.
 *
 * Covered: `new Database()`, `exec(sql, params?)` (one statement with params; several without),
 * `run(sql, params)`, `prepare(sql)` with `run`, `bind`, `step`, `getAsObject`, `get`, `free`, and
 * `close`. Booleans bind as 0/1 as sql.js binds them; everything else goes to better-sqlite3 as it is.
 */
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type { SqlJsStatic, SqlValue } from "sql.js";

/** The better-sqlite3 calls used here. */
interface NativeStatement {
  reader: boolean;
  run(...v: unknown[]): unknown;
  raw(on: boolean): NativeStatement;
  all(...v: unknown[]): unknown[][];
  columns(): { name: string }[];
  iterate(...v: unknown[]): IterableIterator<Record<string, SqlValue>>;
}
interface NativeDb {
  exec(sql: string): void;
  prepare(sql: string): NativeStatement;
  close(): void;
}

/** A value as sql.js would bind it. */
const bindable = (v: unknown): unknown => (typeof v === "boolean" ? (v ? 1 : 0) : v);
const bindAll = (values: readonly unknown[] | undefined): unknown[] => (values ?? []).map(bindable);

/** A better-sqlite3 statement behind sql.js's Statement calls. */
class NativeStatementShim {
  private bound: unknown[] = [];
  private rows: IterableIterator<Record<string, SqlValue>> | null = null;
  private current: Record<string, SqlValue> | null = null;

  constructor(private readonly st: NativeStatement) {}

  run(values?: SqlValue[]): boolean {
    this.st.run(...bindAll(values));
    return true;
  }

  bind(values?: SqlValue[]): boolean {
    this.bound = bindAll(values);
    this.rows = null;
    return true;
  }

  step(): boolean {
    if (!this.st.reader) {
      this.st.run(...this.bound);
      return false;
    }
    this.rows ??= this.st.iterate(...this.bound);
    const next = this.rows.next();
    this.current = next.done ? null : next.value;
    return !next.done;
  }

  getAsObject(): Record<string, SqlValue> {
    return { ...(this.current ?? {}) };
  }

  get(): SqlValue[] {
    return Object.values(this.current ?? {});
  }

  free(): boolean {
    this.rows?.return?.();
    this.rows = null;
    return true;
  }
}

/** sql.js's `Database`, on a better-sqlite3 database in memory. */
class NativeDatabaseShim {
  private readonly cache = new Map<string, NativeStatement>();

  constructor(private readonly db: NativeDb) {}

  private statement(sql: string): NativeStatement {
    let st = this.cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }

  exec(sql: string, params?: SqlValue[]): { columns: string[]; values: SqlValue[][] }[] {
    let st: NativeStatement;
    try {
      st = this.statement(sql);
    } catch (e) {
      if (params === undefined && /more than one statement/.test(String(e))) {
        this.db.exec(sql);
        return [];
      }
      throw e;
    }
    if (!st.reader) {
      st.run(...bindAll(params));
      return [];
    }
    const values = st.raw(true).all(...bindAll(params)) as SqlValue[][];
    st.raw(false);
    return values.length ? [{ columns: st.columns().map((c) => c.name), values }] : [];
  }

  run(sql: string, params?: SqlValue[]): this {
    this.exec(sql, params);
    return this;
  }

  prepare(sql: string): NativeStatementShim {
    return new NativeStatementShim(this.db.prepare(sql));
  }

  close(): void {
    this.db.close();
  }
}

/** better-sqlite3's Database class, from `depsDir` (where `npm run bench` installs it). */
export function betterSqlite3<T>(depsDir: string): new (path: string) => T {
  return createRequire(join(resolve(depsDir), "x.js"))("better-sqlite3") as new (path: string) => T;
}

/**
 * An engine with sql.js's shape whose databases are better-sqlite3 databases in memory, loaded
 * from `depsDir` (where `npm run bench` installs better-sqlite3). Only new, empty databases.
 */
export function nativeEngine(depsDir: string): SqlJsStatic {
  const Native = betterSqlite3<NativeDb>(depsDir);
  class NativeDatabase extends NativeDatabaseShim {
    constructor(bytes?: unknown) {
      if (bytes) throw new Error("native-engine: only new databases (the benchmark's store is created empty)");
      const db = new Native(":memory:");
      db.exec("PRAGMA foreign_keys = OFF"); // better-sqlite3 turns them on; sql.js and pyDE1 do not
      super(db);
    }
  }
  return { Database: NativeDatabase, Statement: NativeStatementShim } as unknown as SqlJsStatic;
}
