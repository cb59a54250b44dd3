/**
 * Typed access to the `profile` table's rows. Parsing a profile and computing its id and
 * fingerprint is src/profiles' job; this only reads and writes rows.
 */
import type { Database } from "sql.js";

/** One row of `profile`. */
export interface ProfileRow {
  /** SHA-1 (hex) of the uploaded bytes; 'dummy' for the seed row */
  id: string;
  /** the uploaded bytes, verbatim */
  source: Uint8Array;
  /** 'JSONv2' (or 'dummy') */
  source_format: string;
  /** SHA-1 (hex) of the frames written to the DE1 */
  fingerprint: string;
  /** upload time, epoch seconds */
  date_added: number | null;
  title: string | null;
  author: string | null;
  notes: string | null;
  beverage_type: string | null;
}

/** A profile row without its source, for lists. */
export type ProfileSummary = Omit<ProfileRow, "source">;

const SUMMARY_COLUMNS = "id, source_format, fingerprint, date_added, title, author, notes, beverage_type";

/** Queries on the `profile` table. */
export class ProfileRows {
  constructor(
    private readonly db: Database,
    private readonly touch: () => void,
  ) {}

  /** Inserts a row unless a profile with that id exists. Returns true when it was inserted. */
  insert(row: ProfileRow): boolean {
    if (this.has(row.id)) return false;
    this.db.run(
      "INSERT INTO profile (id, source, source_format, fingerprint, date_added, title, author, notes, beverage_type) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [row.id, row.source, row.source_format, row.fingerprint, row.date_added, row.title, row.author, row.notes, row.beverage_type],
    );
    this.touch();
    return true;
  }

  /** True when a profile with this id is stored. */
  has(id: string): boolean {
    return this.db.exec("SELECT 1 FROM profile WHERE id = ?", [id]).length > 0;
  }

  /** The whole row for an id (source as bytes), or null. */
  get(id: string): ProfileRow | null {
    const st = this.db.prepare(`SELECT ${SUMMARY_COLUMNS}, source FROM profile WHERE id = ?`);
    try {
      st.bind([id]);
      if (!st.step()) return null;
      const o = st.getAsObject();
      const src = o.source;
      return {
        ...(o as unknown as ProfileSummary),
        source: src instanceof Uint8Array ? src : new TextEncoder().encode(String(src ?? "")),
      };
    } finally {
      st.free();
    }
  }

  /** Every profile, newest first, without sources. */
  list(): ProfileSummary[] {
    const st = this.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM profile ORDER BY date_added DESC, id`);
    const rows: ProfileSummary[] = [];
    try {
      while (st.step()) rows.push(st.getAsObject() as unknown as ProfileSummary);
    } finally {
      st.free();
    }
    return rows;
  }

  /** The profile a sequence ran (its `profile_id`), or null when that row is missing. */
  bySequence(sequenceId: string): ProfileRow | null {
    const r = this.db.exec("SELECT profile_id FROM sequence WHERE id = ?", [sequenceId]);
    const id = r[0]?.values[0]?.[0];
    return typeof id === "string" ? this.get(id) : null;
  }
}
