/**
 * Adding a profile file to a pyDE1 database (a sql.js `Database`), as pyDE1 does when a profile is
 * uploaded: one `profile` row per distinct file (id = SHA-1 of the bytes, the bytes kept verbatim),
 * and persist_hkv `last_profile` / `id` and `datetime` pointing at it.
 */
import type { Database } from "sql.js";
import { readProfile, type ReadProfile } from "./read";
import { HkvQueries } from "../store/hkv";
import { sqliteRealText } from "../store/real-text";

export { sqliteRealText };

/** What `addProfile` did. */
export interface AddProfileResult {
  /** The profile id (SHA-1 of the bytes). */
  id: string;
  /** The DE1 program fingerprint. */
  fingerprint: string;
  /** True when a new `profile` row was inserted; false when that id was already stored. */
  added: boolean;
  /** The profile as read. */
  read: ReadProfile;
}

/** Options of `addProfile`. */
export interface AddProfileOptions {
  /** Also record it as the last profile in persist_hkv, as pyDE1 does on upload (default true). */
  setLastProfile?: boolean;
}

/**
 * Reads and checks profile bytes, then stores them: inserts a `profile` row (source = the bytes
 * verbatim, source_format 'JSONv2', date_added = `when` in epoch seconds) unless that id is
 * already there — a stored row is never changed — and sets persist_hkv ('last_profile', 'id') and
 * ('last_profile', 'datetime') to the id and to `when` as text the way pyDE1's SQLite writes a float
 * into a TEXT column (`sqliteRealText`). Throws ProfileValidationError, having written nothing, when
 * the bytes are not a usable profile. Writes inside a savepoint, so it may run in a caller's
 * transaction.
 */
export async function addProfile(
  db: Database,
  bytes: Uint8Array,
  when: number,
  options: AddProfileOptions = {},
): Promise<AddProfileResult> {
  if (!Number.isFinite(when)) throw new RangeError(`addProfile: 'when' must be epoch seconds, not ${when}`);
  const read = await readProfile(bytes);
  const setLast = options.setLastProfile ?? true;
  db.run("SAVEPOINT add_profile");
  try {
    db.run(
      "INSERT INTO profile (id, source, source_format, fingerprint, date_added, title, author, notes, beverage_type)" +
        " VALUES (?, ?, 'JSONv2', ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
      [read.id, bytes, read.fingerprint, when, read.title, read.author, read.notes, read.beverageType],
    );
    const added = db.getRowsModified() === 1;
    if (setLast) new HkvQueries(db, () => {}).setLastProfile(read.id, when);
    db.run("RELEASE add_profile");
    return { id: read.id, fingerprint: read.fingerprint, added, read };
  } catch (e) {
    db.run("ROLLBACK TO add_profile");
    db.run("RELEASE add_profile");
    throw e;
  }
}
