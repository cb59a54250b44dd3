/**
 * Installing and upgrading pyDE1's schema in an open sql.js database, and checking that the tables
 * hold the columns the catalog expects.
 */
import type { Database } from "sql.js";
import { CATALOG, columnsOf } from "../catalog";
import { NotPyde1Error, SchemaMismatchError, SchemaVersionError } from "./errors";
import v3 from "../../schema/v3.sql";
import up1to2 from "../../schema/upgrade-1-to-2.sql";
import up2to3 from "../../schema/upgrade-2-to-3.sql";

/** The schema version this code writes. */
export const CURRENT_VERSION = 3;

/** Tables a pyDE1 database of any version has. */
const CORE_TABLES = ["profile", "persist_hkv", "sequence"];
/** Tables schema 3 added (their presence marks a v3 file whatever user_version says). */
const V3_TABLES = ["device_availability", "scale_change", "bluedot_update"];

/** What an opened database needs before it is current. */
export interface SchemaState {
  /** `PRAGMA user_version` as found */
  readonly userVersion: number;
  /** the schema version the tables actually are */
  readonly version: number;
  /** true when there are no tables at all (a new database) */
  readonly empty: boolean;
}

/** Reads a database's schema state and refuses files we must not touch. */
export function inspectSchema(db: Database, file: string): SchemaState {
  const userVersion = Number(db.exec("PRAGMA user_version")[0].values[0][0]);
  const tables = new Set(
    (db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0])),
  );
  if (tables.size === 0 && userVersion === 0) return { userVersion, version: 0, empty: true };
  const missing = CORE_TABLES.filter((t) => !tables.has(t));
  if (missing.length > 0) throw new NotPyde1Error(file, missing);
  if (userVersion > CURRENT_VERSION || userVersion < 1) throw new SchemaVersionError(file, userVersion);
  // pyDE1's v3 schema file sets user_version 2; its tables tell the truth.
  const version = userVersion === 2 && V3_TABLES.every((t) => tables.has(t)) ? 3 : userVersion;
  return { userVersion, version, empty: false };
}

/**
 * Creates the current schema, seed rows included, in an empty database: one transaction, so the
 * 46 statements cost one commit instead of one each.
 */
export function installSchema(db: Database): void {
  db.exec("BEGIN");
  try {
    db.exec(v3);
    db.exec("COMMIT");
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
}

/**
 * Upgrades a database from `from` to the current version inside one transaction. Returns the
 * version reached. The caller backs the file up first.
 */
export function upgradeSchema(db: Database, from: number): number {
  db.exec("BEGIN");
  try {
    let version = from;
    if (version === 1) {
      db.exec(up1to2);
      version = 2;
    }
    if (version === 2) {
      const has = (t: string) =>
        db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [t]).length > 0;
      if (V3_TABLES.every(has)) db.exec(`PRAGMA user_version = ${CURRENT_VERSION}`);
      else db.exec(up2to3);
      version = 3;
    }
    db.exec("COMMIT");
    return version;
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
}

/** Checks every notification table has exactly the catalog's columns, in order. */
export function checkCatalog(db: Database, file: string): void {
  for (const cls of CATALOG) {
    const found = (db.exec(`PRAGMA table_info(${cls.table})`)[0]?.values ?? []).map((r) => String(r[1]));
    const want = columnsOf(cls);
    if (found.join(",") !== want.join(",")) {
      throw new SchemaMismatchError(file, `table ${cls.table} has columns (${found.join(", ")}), expected (${want.join(", ")})`);
    }
  }
}
