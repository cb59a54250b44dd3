/**
 * Archiving old sequences (browser-safe, no I/O): finding the sequences that ended before a time,
 * copying each one whole — its master row, its rows in every notification table of the catalog and
 * the profile it references — into an archive database with the same schema, checking the copy's
 * counts, and deleting the originals. Callers save both databases (see `pyde1-store archive`).
 */
import type { Database, SqlValue } from "sql.js";
import { NOTIFICATION_TABLES } from "../catalog";
import type { Store } from "../store/store";
import { queryRows } from "../store/query-rows";

/** An archive step found something wrong; nothing is deleted from the live database. */
export class ArchiveError extends Error {
  override name = "ArchiveError";
}

/** One sequence chosen to move. */
export interface ArchivedSequence {
  id: string;
  active_state: string | null;
  start_sequence: number | null;
  end_sequence: number;
  profile_id: string | null;
  /** already in the archive with the same row counts (an earlier run stopped before deleting) */
  alreadyArchived: boolean;
  /** the target holds a partial copy of it, deleted before this one is copied (import --replace-partial) */
  replacesPartial?: boolean;
}

/** Whole sequences to copy from one database into another, with the rows and profiles they bring. */
export interface SequenceCopyPlan {
  sequences: ArchivedSequence[];
  /** rows per table that are copied: `sequence` first, then the 13 notification tables in catalog order */
  rows: Record<string, number>;
  /** profile ids the sequences reference (and the source holds) */
  profiles: string[];
  /** of those, the ones the target does not hold yet (copied) */
  newProfiles: string[];
}

/** What an archive run moves. */
export interface ArchivePlan extends SequenceCopyPlan {
  /** epoch seconds: sequences whose end_sequence is before this move */
  before: number;
  /** sequences older than `before` left in place because they never completed (no end_sequence) */
  incompleteLeft: number;
}

/** What an import copies: every finished sequence of the source that the target does not hold. */
export interface ImportPlan extends SequenceCopyPlan {
  /** the source's sequences the target already holds (same id), left as the target has them */
  present: number;
  /**
   * of `present`, those the target holds partly: the source's copy is finished and has at least as
   * many rows in every table, and more in one (or the target's is unfinished). With
   * `replacePartial` they are also in `sequences`, marked `replacesPartial`.
   */
  partly: ArchivedSequence[];
  /** the source's sequences not finished (no end_sequence), not copied */
  unfinished: number;
}

/** The first column of every row of a query. */
function column(db: Database, sql: string, params: SqlValue[] = []): SqlValue[] {
  return queryRows(db, sql, params).map((r) => r[0]!);
}

/** `id, active_state, start_sequence, end_sequence, profile_id` of the real sequences (not 'dummy') that `tail` (a condition, then ORDER BY) picks. */
function masterRows(db: Database, tail: string, params: SqlValue[] = []): SqlValue[][] {
  return queryRows(db, `SELECT id, active_state, start_sequence, end_sequence, profile_id FROM sequence WHERE id <> 'dummy' AND ${tail}`, params);
}

/** A master row of {@link masterRows} with an end_sequence, as a plan lists it. */
function sequenceOf([id, active_state, start_sequence, end_sequence, profile_id]: SqlValue[]): ArchivedSequence {
  return {
    id: String(id),
    active_state: active_state === null ? null : String(active_state),
    start_sequence: start_sequence as number | null,
    end_sequence: end_sequence as number,
    profile_id: profile_id === null ? null : String(profile_id),
    alreadyArchived: false,
  };
}

/** Rows of one sequence per table (`sequence` and the notification tables). */
function countsOf(db: Database, id: string): Record<string, number> {
  const counts: Record<string, number> = { sequence: Number(column(db, "SELECT count(*) FROM sequence WHERE id = ?", [id])[0]) };
  for (const t of NOTIFICATION_TABLES) counts[t] = Number(column(db, `SELECT count(*) FROM ${t} WHERE sequence_id = ?`, [id])[0]);
  return counts;
}

const sameCounts = (a: Record<string, number>, b: Record<string, number>) => Object.keys(a).every((t) => a[t] === b[t]);

/**
 * Chooses the sequences (not pyDE1's 'dummy' row) whose end_sequence is before `before` (epoch
 * seconds) and counts what moves. With `archive`, marks sequences it already holds completely and
 * refuses ones it holds differently.
 */
export function planArchive(live: Store, before: number, archive: Store | null = null): ArchivePlan {
  const db = live.db;
  const sequences = masterRows(db, "end_sequence IS NOT NULL AND end_sequence < ? ORDER BY end_sequence, rowid", [before]).map(sequenceOf);
  const rows = rowsOf(db, sequences);
  for (const s of sequences) {
    if (archive && archive.sequences.has(s.id)) {
      if (!sameCounts(countsOf(db, s.id), countsOf(archive.db, s.id))) {
        throw new ArchiveError(
          `${archive.file}: already holds sequence '${s.id}' with other row counts than ${live.file}. Nothing was changed; compare the two files, or archive into a new file.`,
        );
      }
      s.alreadyArchived = true;
    }
  }
  const { profiles, newProfiles } = profilesOf(db, archive?.db ?? null, sequences);
  const incompleteLeft = Number(
    column(db, "SELECT count(*) FROM sequence WHERE id <> 'dummy' AND end_sequence IS NULL AND start_sequence < ?", [before])[0],
  );
  return { before, sequences, rows, profiles, newProfiles, incompleteLeft };
}

/** The profiles `sequences` use that `from` holds, and of those the ones `to` lacks (all of them without `to`). */
function profilesOf(from: Database, to: Database | null, sequences: ArchivedSequence[]): { profiles: string[]; newProfiles: string[] } {
  const has = (db: Database, id: string) => column(db, "SELECT 1 FROM profile WHERE id = ?", [id]).length > 0;
  const profiles = [...new Set(sequences.map((s) => s.profile_id).filter((p): p is string => p !== null))].filter((p) => has(from, p));
  return { profiles, newProfiles: to ? profiles.filter((p) => !has(to, p)) : profiles };
}

/** Rows per table (`sequence` and the notification tables) of the given sequences, summed. */
function rowsOf(db: Database, sequences: ArchivedSequence[]): Record<string, number> {
  const rows: Record<string, number> = { sequence: 0 };
  for (const t of NOTIFICATION_TABLES) rows[t] = 0;
  for (const s of sequences) {
    const counts = countsOf(db, s.id);
    for (const t of Object.keys(rows)) rows[t] += counts[t];
  }
  return rows;
}

/**
 * True when `target` holds sequence `id` partly against `source`: the source's copy is finished,
 * has no fewer rows than the target's in any notification table, and has more in one or the
 * target's copy is unfinished (e.g. a recorder that started in the middle of a shot, or stopped).
 */
function heldPartly(source: Database, target: Database, id: string): boolean {
  const end = (db: Database) => column(db, "SELECT end_sequence FROM sequence WHERE id = ?", [id])[0] ?? null;
  if (end(source) === null) return false;
  const ours = countsOf(source, id);
  const theirs = countsOf(target, id);
  if (NOTIFICATION_TABLES.some((t) => ours[t]! < theirs[t]!)) return false;
  return end(target) === null || NOTIFICATION_TABLES.some((t) => ours[t]! > theirs[t]!);
}

/**
 * Chooses what {@link copyToArchive} copies from `source` into `target` to give the target the
 * source's history: every finished sequence (not pyDE1's 'dummy' row) whose id the target lacks,
 * oldest first, and the profiles they use that the target lacks. With `replacePartial`, also the
 * sequences the target holds only partly (see {@link ImportPlan.partial}), to be replaced whole.
 */
export function planImport(source: Store, target: Store, { replacePartial = false } = {}): ImportPlan {
  const sequences: ArchivedSequence[] = [];
  const partly: ArchivedSequence[] = [];
  let present = 0;
  let unfinished = 0;
  for (const row of masterRows(source.db, "1 ORDER BY start_sequence, rowid")) {
    const id = String(row[0]);
    if (target.sequences.has(id)) {
      present++;
      if (!heldPartly(source.db, target.db, id)) continue;
      const s = { ...sequenceOf(row), replacesPartial: replacePartial };
      partly.push(s);
      if (replacePartial) sequences.push(s);
    } else if (row[3] === null) unfinished++;
    else sequences.push(sequenceOf(row));
  }
  const { profiles, newProfiles } = profilesOf(source.db, target.db, sequences);
  return { sequences, rows: rowsOf(source.db, sequences), profiles, newProfiles, present, partly, unfinished };
}

/** Copies every row `select` finds from one database into the same table of another, columns by name. */
function copyRows(from: Database, to: Database, table: string, where: string, params: SqlValue[]): number {
  const st = from.prepare(`SELECT * FROM ${table} WHERE ${where} ORDER BY rowid`);
  let insert: ReturnType<Database["prepare"]> | null = null;
  let n = 0;
  try {
    st.bind(params);
    while (st.step()) {
      if (!insert) {
        const names = st.getColumnNames();
        insert = to.prepare(`INSERT INTO ${table} (${names.map((c) => `"${c}"`).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`);
      }
      insert.run(st.get());
      n++;
    }
  } finally {
    st.free();
    insert?.free();
  }
  return n;
}

/**
 * Copies the plan's sequences (those not already archived) and new profiles into `archive` in one
 * transaction, then checks that the archive holds, per table, exactly the rows the plan counted.
 * Throws ArchiveError (the archive transaction rolled back) when a count differs. The same copy
 * serves an import ({@link planImport}), from the other database into the live one.
 */
export function copyToArchive(live: Store, archive: Store, plan: SequenceCopyPlan): void {
  archive.transaction(() => {
    for (const p of plan.newProfiles) copyRows(live.db, archive.db, "profile", "id = ?", [p]);
    for (const s of plan.sequences) {
      if (s.alreadyArchived) continue;
      if (s.replacesPartial) deleteSequence(archive, s.id);
      copyRows(live.db, archive.db, "sequence", "id = ?", [s.id]);
      for (const t of NOTIFICATION_TABLES) copyRows(live.db, archive.db, t, "sequence_id = ?", [s.id]);
    }
    verifyArchive(archive, plan);
  });
}

/** Checks the archive holds the plan's rows per table and its profiles; throws ArchiveError otherwise. */
export function verifyArchive(archive: Store, plan: SequenceCopyPlan): void {
  const found: Record<string, number> = {};
  for (const t of Object.keys(plan.rows)) found[t] = 0;
  for (const s of plan.sequences) {
    const counts = countsOf(archive.db, s.id);
    for (const t of Object.keys(found)) found[t] += counts[t];
  }
  for (const t of Object.keys(plan.rows)) {
    if (found[t] !== plan.rows[t]) {
      throw new ArchiveError(`${archive.file}: table ${t} holds ${found[t]} rows of the archived sequences, expected ${plan.rows[t]}. Nothing was deleted; check the disk and try again.`);
    }
  }
  for (const p of plan.profiles) {
    if (column(archive.db, "SELECT 1 FROM profile WHERE id = ?", [p]).length === 0) {
      throw new ArchiveError(`${archive.file}: profile '${p}' is missing after the copy. Nothing was deleted; try again.`);
    }
  }
}

/** Deletes the plan's sequences (master rows and notification rows) from the live database, in one transaction. */
export function deleteArchived(live: Store, plan: ArchivePlan): void {
  live.transaction(() => {
    for (const s of plan.sequences) deleteSequence(live, s.id);
  });
}

/** Deletes one sequence's rows in every notification table and its master row (inside the caller's transaction). */
function deleteSequence(store: Store, id: string): void {
  for (const t of NOTIFICATION_TABLES) store.db.run(`DELETE FROM ${t} WHERE sequence_id = ?`, [id]);
  store.db.run("DELETE FROM sequence WHERE id = ?", [id]);
}
