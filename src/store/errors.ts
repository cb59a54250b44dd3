/**
 * Typed errors of the store layer. Each message names the file, the problem and what to do.
 */

/** Base class of every error the store raises on purpose; `file` names the database concerned. */
export class StoreError extends Error {
  /** the database file (or a label such as "(memory)") the error is about */
  readonly file: string;
  constructor(file: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.file = file;
  }
}

/** The bytes are not an SQLite database at all. */
export class NotSqliteError extends StoreError {
  constructor(file: string) {
    super(file, `${file}: not an SQLite database (no "SQLite format 3" header). Check the path; nothing was changed.`);
  }
}

/** An SQLite database, but not one of pyDE1's (its tables are missing). */
export class NotPyde1Error extends StoreError {
  /** the pyDE1 tables the database lacks */
  readonly missing: string[];
  constructor(file: string, missing: string[]) {
    super(
      file,
      `${file}: an SQLite database without pyDE1's tables (missing: ${missing.join(", ")}). ` +
        `Point --db at a pyDE1 database, or at a new path to create one; nothing was changed.`,
    );
    this.missing = missing;
  }
}

/** The database says a schema version newer (or other) than the ones we know. */
export class SchemaVersionError extends StoreError {
  /** the file's `PRAGMA user_version` */
  readonly version: number;
  constructor(file: string, version: number, detail = "") {
    super(
      file,
      `${file}: schema version ${version} is not one pyde1-store knows (1, 2 or 3)${detail ? `; ${detail}` : ""}. ` +
        `Upgrade pyde1-store, or use a copy made by a matching pyDE1; nothing was changed.`,
    );
    this.version = version;
  }
}

/** The database's tables do not have the columns the catalog expects. */
export class SchemaMismatchError extends StoreError {
  constructor(file: string, detail: string) {
    super(file, `${file}: the schema does not match pyDE1's (${detail}). Is this file from another program? Nothing was changed.`);
  }
}

/** Another program (pyDE1 or another SQLite writer) may own the file. */
export class ForeignWriterError extends StoreError {
  constructor(file: string, reason: string) {
    super(
      file,
      `${file}: ${reason}. pyDE1 or another SQLite writer may own this file. ` +
        `Record into a database file of our own (e.g. --db ./data/pyde1.sqlite3), or stop that writer and ` +
        `checkpoint it (sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)') first.`,
    );
  }
}

/** The file on disk changed since we loaded or last saved it; saving would overwrite someone's work. */
export class FileChangedError extends StoreError {
  constructor(file: string, detail: string) {
    super(
      file,
      `${file}: changed on disk since it was loaded (${detail}); not saving over it. ` +
        `The data is kept in memory and in the journal; move the other file away and restart, or save elsewhere.`,
    );
  }
}

/** Another pyde1-store process holds the file's lock. */
export class LockedError extends StoreError {
  /** the writer's process id (-1 when it could not be read) */
  readonly pid: number;
  constructor(file: string, pid: number) {
    super(file, `${file}: already open for writing by pyde1-store process ${pid}. Stop that process first, or use another --db.`);
    this.pid = pid;
  }
}

/** A file that must not exist already does. */
export class FileExistsError extends StoreError {
  constructor(file: string) {
    super(file, `${file}: already exists; refusing to overwrite it. Choose a new path, or use 'migrate'/'info' on it.`);
  }
}
