/**
 * One sequence's series for a chart (browser-safe): every shot sample and scale reading, times in
 * seconds from flow begin. Read by the viewer's worker from an opened database, and by the server
 * from the recorder's own Store for the live view of a sequence being recorded.
 */
import type { Database, SqlValue } from "sql.js";
import { cellNumber as num, queryRows } from "../store/query-rows";
import { SequenceQueries, type SequenceSummary } from "../store/sequences";

/** One shot's series, times in seconds relative to `t0` (flow begin when known). */
export interface ShotSeries {
  sequence: SequenceSummary;
  /** the epoch second all times are relative to */
  t0: number;
  /** shot samples (DE1, ~5 Hz) */
  time: number[];
  pressure: (number | null)[];
  flow: (number | null)[];
  mixTemp: (number | null)[];
  headTemp: (number | null)[];
  goalPressure: (number | null)[];
  goalFlow: (number | null)[];
  goalMixTemp: (number | null)[];
  goalHeadTemp: (number | null)[];
  frame: (number | null)[];
  /** scale readings (~10 Hz), each series with its own times */
  weightTime: number[];
  weight: (number | null)[];
  weightFlowTime: number[];
  weightFlow: (number | null)[];
  /** the flow window relative to t0, when known */
  flowBegin: number | null;
  flowEnd: number | null;
}

/** A goal value, with 0 (no goal in this frame's pump mode) as a gap. */
const goal = (v: SqlValue): number | null => (typeof v === "number" && v > 0 ? v : null);

/** A shot's series for the chart: every shot sample and scale reading of the sequence. */
export function shotSeries(db: Database, id: string): ShotSeries {
  const sequence = new SequenceQueries(db, () => {}).summary(id);
  if (!sequence) throw new Error(`no sequence with id '${id}' in this database`);
  const samples = queryRows(
    db,
    "SELECT de1_time, group_pressure, group_flow, mix_temp, head_temp, set_group_pressure, set_group_flow, " +
      "set_mix_temp, set_head_temp, frame_number FROM shot_sample_with_volume_update " +
      "WHERE sequence_id = ? AND de1_time IS NOT NULL ORDER BY de1_time",
    [id],
  );
  const t0 = sequence.start_flow ?? sequence.start_sequence ?? num(samples[0]?.[0]) ?? 0;
  const weights = queryRows(
    db,
    "SELECT current_weight_time, current_weight FROM weight_and_flow_update " +
      "WHERE sequence_id = ? AND current_weight_time IS NOT NULL ORDER BY current_weight_time",
    [id],
  );
  const flows = queryRows(
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
