/**
 * The viewer's reads from a pyDE1 database (sql.js, in the worker): the sequence list and a profile
 * row (one shot's series for the chart is `export/shot-series.ts`, which the server shares). Bound
 * parameters throughout; browser-safe.
 */
import type { Database, SqlValue } from "sql.js";
import { cellNumber as num, queryRows } from "../store/query-rows";
import type { ProfileInfo, SequenceItem } from "./protocol";
import { SequenceQueries } from "../store/sequences";

const decoder = new TextDecoder();

/** A cell as text (BLOBs decoded as UTF-8), or null. */
const text = (v: SqlValue | undefined): string | null =>
  v === null || v === undefined ? null : v instanceof Uint8Array ? decoder.decode(v) : String(v);

/** The store's sequence queries over the worker's database (read-only: nothing marks changes). */
const sequencesOf = (db: Database) => new SequenceQueries(db, () => {});

/** Every real sequence (not the `dummy` seed row), newest first. */
export function listSequences(db: Database): SequenceItem[] {
  return sequencesOf(db).summaries();
}

/** A profile row and its source; `found` false (and nulls) when no row has that id. */
export function profileInfo(db: Database, id: string): ProfileInfo {
  const r = queryRows(db, "SELECT title, author, notes, beverage_type, source_format, date_added, source FROM profile WHERE id = ?", [id]);
  if (!r.length) {
    return { id, found: false, title: null, author: null, notes: null, beverage_type: null, source_format: null, date_added: null, source: null };
  }
  const [title, author, notes, beverage, format, added, source] = r[0];
  return {
    id,
    found: true,
    title: text(title),
    author: text(author),
    notes: text(notes),
    beverage_type: text(beverage),
    source_format: text(format),
    date_added: num(added),
    source: text(source),
  };
}
