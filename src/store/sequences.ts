/**
 * Typed access to the `sequence` table: one master row per shot, steam, hot water or flush.
 */
import type { Database } from "sql.js";
import { SEQUENCE_RESOURCES } from "../catalog";

/** The sequence states pyDE1 records (a master row's `active_state`). */
export const SEQUENCE_STATES = ["Espresso", "Steam", "HotWater", "HotWaterRinse"] as const;

/** One row of `sequence`. */
export interface SequenceRow {
  id: string;
  /** Espresso, Steam, HotWater or HotWaterRinse */
  active_state: string | null;
  /** epoch seconds: just before the gates were cleared */
  start_sequence: number | null;
  /** epoch seconds: `sequence_flow_begin` set */
  start_flow: number | null;
  /** epoch seconds: `sequence_flow_end` set */
  end_flow: number | null;
  /** epoch seconds: `sequence_complete` set */
  end_sequence: number | null;
  /** the profile the DE1 ran (or was assumed to run) */
  profile_id: string;
  /** 1 when profile_id is pyDE1's last loaded profile rather than the DE1's known one */
  profile_assumed: number | null;
  /** `resource_*` columns: JSON text of pyDE1's HTTP resources at sequence start */
  [resource: `resource_${string}`]: string | null;
}

/** A sequence as lists show it: the master row's times and profile, with the profile's title and the drink weight. */
export interface SequenceSummary
  extends Pick<SequenceRow, "id" | "active_state" | "start_sequence" | "start_flow" | "end_flow" | "end_sequence" | "profile_id"> {
  /** true when profile_id is pyDE1's last loaded profile rather than the DE1's known one */
  profile_assumed: boolean;
  /** the profile's title; null when the profile row is missing or has none (the `dummy` profile) */
  profile_title: string | null;
  /** false when no real profile row (not `dummy`) with `profile_id` exists */
  profile_found: boolean;
  /** seconds between flow begin and flow end, when both are known */
  flow_duration: number | null;
  /** pyDE1's drink weight: the largest median weight between flow end and sequence end, grams */
  drink_weight: number | null;
}

/** The summaries' query; `%WHERE%` is replaced by the row filter. */
const SUMMARY_SQL = `
SELECT s.id, s.active_state, s.start_sequence, s.start_flow, s.end_flow, s.end_sequence, s.profile_id,
       s.profile_assumed, p.title, p.id IS NOT NULL,
       (SELECT max(w.median_weight) FROM weight_and_flow_update w
         WHERE w.sequence_id = s.id AND w.median_weight_time BETWEEN s.end_flow AND s.end_sequence)
  FROM sequence s LEFT JOIN profile p ON p.id = s.profile_id
 WHERE %WHERE%
 ORDER BY s.start_sequence DESC, s.rowid DESC`;

const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
const text = (v: unknown): string | null =>
  v === null || v === undefined ? null : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);

/** A row of SUMMARY_SQL as a summary. */
function summaryOf(r: unknown[]): SequenceSummary {
  const [startFlow, endFlow] = [num(r[3]), num(r[4])];
  return {
    id: String(r[0]),
    active_state: text(r[1]),
    start_sequence: num(r[2]),
    start_flow: startFlow,
    end_flow: endFlow,
    end_sequence: num(r[5]),
    profile_id: text(r[6]) ?? "",
    profile_assumed: Number(r[7]) === 1,
    profile_title: text(r[8]),
    profile_found: Number(r[9]) === 1 && text(r[6]) !== "dummy",
    flow_duration: startFlow !== null && endFlow !== null ? endFlow - startFlow : null,
    drink_weight: num(r[10]),
  };
}

/** The fields that start a master row. */
export interface NewSequence {
  id: string;
  active_state: string;
  start_sequence: number;
  profile_id: string;
  profile_assumed: boolean;
}

/** The master-row times the gates fill in (`start_sequence` moves earlier when a gate clear arrives late). */
export type SequenceTime = "start_sequence" | "start_flow" | "end_flow" | "end_sequence";

const RESOURCE_COLUMNS = new Set(SEQUENCE_RESOURCES.map((r) => r.column));

/** Queries on the `sequence` table. */
export class SequenceQueries {
  constructor(
    private readonly db: Database,
    private readonly touch: () => void,
  ) {}

  /** Writes a new master row (the `resource_*` columns start NULL). */
  insert(seq: NewSequence): void {
    this.db.run(
      "INSERT INTO sequence (id, active_state, start_sequence, profile_id, profile_assumed) VALUES (?, ?, ?, ?, ?)",
      [seq.id, seq.active_state, seq.start_sequence, seq.profile_id, seq.profile_assumed ? 1 : 0],
    );
    this.touch();
  }

  /** True when a master row with this id exists. */
  has(id: string): boolean {
    return this.db.exec("SELECT 1 FROM sequence WHERE id = ?", [id]).length > 0;
  }

  /** Sets one of the gate-driven times. */
  setTime(id: string, column: SequenceTime, value: number): void {
    this.db.run(`UPDATE sequence SET ${column} = ? WHERE id = ?`, [value, id]);
    this.touch();
  }

  /** Sets the profile (e.g. when pyDE1's HTTP answer arrives after the row was written). */
  setProfile(id: string, profileId: string, assumed: boolean): void {
    this.db.run("UPDATE sequence SET profile_id = ?, profile_assumed = ? WHERE id = ?", [profileId, assumed ? 1 : 0, id]);
    this.touch();
  }

  /** Sets a `resource_*` column to the JSON text pyDE1 answered (or the text 'null'). */
  setResource(id: string, column: string, text: string | null): void {
    if (!RESOURCE_COLUMNS.has(column)) throw new Error(`not a resource column: ${column}`);
    this.db.run(`UPDATE sequence SET ${column} = ? WHERE id = ?`, [text, id]);
    this.touch();
  }

  /** One master row, or null. */
  get(id: string): SequenceRow | null {
    const st = this.db.prepare("SELECT * FROM sequence WHERE id = ?");
    try {
      st.bind([id]);
      return st.step() ? (st.getAsObject() as unknown as SequenceRow) : null;
    } finally {
      st.free();
    }
  }

  /** Every real sequence (not the 'dummy' seed row), newest first. */
  list(): SequenceRow[] {
    const st = this.db.prepare("SELECT * FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence DESC, rowid DESC");
    const rows: SequenceRow[] = [];
    try {
      while (st.step()) rows.push(st.getAsObject() as unknown as SequenceRow);
    } finally {
      st.free();
    }
    return rows;
  }

  /** Every real sequence (not the 'dummy' seed row) as lists show it, newest first. */
  summaries(): SequenceSummary[] {
    return (this.db.exec(SUMMARY_SQL.replace("%WHERE%", "s.id <> 'dummy'"))[0]?.values ?? []).map(summaryOf);
  }

  /** One sequence as lists show it, or null. */
  summary(id: string): SequenceSummary | null {
    const r = this.db.exec(SUMMARY_SQL.replace("%WHERE%", "s.id = ?"), [id])[0]?.values[0];
    return r ? summaryOf(r) : null;
  }

  /** The newest sequence, optionally of one state (e.g. 'Espresso'), or null. */
  latest(activeState?: string): SequenceRow | null {
    const where = activeState ? "WHERE id <> 'dummy' AND active_state = ?" : "WHERE id <> 'dummy'";
    const st = this.db.prepare(`SELECT * FROM sequence ${where} ORDER BY start_sequence DESC, rowid DESC LIMIT 1`);
    try {
      if (activeState) st.bind([activeState]);
      return st.step() ? (st.getAsObject() as unknown as SequenceRow) : null;
    } finally {
      st.free();
    }
  }
}
