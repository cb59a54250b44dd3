/**
 * The viewer's reads from a pyDE1 database (sql.js, in the worker): the sequence list, one shot's
 * series for the chart, a profile row. Bound parameters throughout; browser-safe.
 */
import type { Database, SqlValue } from "sql.js";
import type { ProfileInfo, SequenceItem, ShotSeries } from "./protocol";
import { SequenceQueries } from "../store/sequences";

const decoder = new TextDecoder();

/** All rows of a query with bound parameters. */
function rows(db: Database, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const st = db.prepare(sql);
  try {
    st.bind(params);
    const out: SqlValue[][] = [];
    while (st.step()) out.push(st.get());
    return out;
  } finally {
    st.free();
  }
}

/** A cell as a number, or null. */
const num = (v: SqlValue | undefined): number | null => (typeof v === "number" ? v : null);
/** A cell as text (BLOBs decoded as UTF-8), or null. */
const text = (v: SqlValue | undefined): string | null =>
  v === null || v === undefined ? null : v instanceof Uint8Array ? decoder.decode(v) : String(v);

/** The store's sequence queries over the worker's database (read-only: nothing marks changes). */
const sequencesOf = (db: Database) => new SequenceQueries(db, () => {});

/** Every real sequence (not the `dummy` seed row), newest first. */
export function listSequences(db: Database): SequenceItem[] {
  return sequencesOf(db).summaries();
}

/** One sequence's list item, or null. */
export function sequenceItem(db: Database, id: string): SequenceItem | null {
  return sequencesOf(db).summary(id);
}

/** A goal value, with 0 (no goal in this frame's pump mode) as a gap. */
const goal = (v: SqlValue): number | null => (typeof v === "number" && v > 0 ? v : null);

/** A shot's series for the chart: every shot sample and scale reading of the sequence. */
export function shotSeries(db: Database, id: string): ShotSeries {
  const sequence = sequenceItem(db, id);
  if (!sequence) throw new Error(`no sequence with id '${id}' in this database`);
  const samples = rows(
    db,
    "SELECT de1_time, group_pressure, group_flow, mix_temp, head_temp, set_group_pressure, set_group_flow, " +
      "set_mix_temp, set_head_temp, frame_number FROM shot_sample_with_volume_update " +
      "WHERE sequence_id = ? AND de1_time IS NOT NULL ORDER BY de1_time",
    [id],
  );
  const t0 = sequence.start_flow ?? sequence.start_sequence ?? num(samples[0]?.[0]) ?? 0;
  const weights = rows(
    db,
    "SELECT current_weight_time, current_weight FROM weight_and_flow_update " +
      "WHERE sequence_id = ? AND current_weight_time IS NOT NULL ORDER BY current_weight_time",
    [id],
  );
  const flows = rows(
    db,
    "SELECT average_flow_time, average_flow FROM weight_and_flow_update " +
      "WHERE sequence_id = ? AND average_flow_time IS NOT NULL ORDER BY average_flow_time",
    [id],
  );
  const col = (i: number) => samples.map((r) => num(r[i]));
  return {
    sequence,
    t0,
    time: samples.map((r) => (r[0] as number) - t0),
    pressure: col(1),
    flow: col(2),
    mixTemp: col(3),
    headTemp: col(4),
    goalPressure: samples.map((r) => goal(r[5])),
    goalFlow: samples.map((r) => goal(r[6])),
    goalMixTemp: samples.map((r) => goal(r[7])),
    goalHeadTemp: samples.map((r) => goal(r[8])),
    frame: col(9),
    weightTime: weights.map((r) => (r[0] as number) - t0),
    weight: weights.map((r) => num(r[1])),
    weightFlowTime: flows.map((r) => (r[0] as number) - t0),
    weightFlow: flows.map((r) => num(r[1])),
    flowBegin: sequence.start_flow === null ? null : sequence.start_flow - t0,
    flowEnd: sequence.end_flow === null ? null : sequence.end_flow - t0,
  };
}

/** A profile row and its source; `found` false (and nulls) when no row has that id. */
export function profileInfo(db: Database, id: string): ProfileInfo {
  const r = rows(db, "SELECT title, author, notes, beverage_type, source_format, date_added, source FROM profile WHERE id = ?", [id]);
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
