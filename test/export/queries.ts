/** Test-side queries, written independently of src/export, to check exported values against. */
import type { Database } from "sql.js";

/** A shot sample row in the flow window, with the sequence's start_flow beside it. */
export interface FlowSampleRow {
  de1_time: number;
  start_flow: number;
  group_pressure: number;
  group_flow: number;
  set_group_pressure: number;
  set_group_flow: number;
  head_temp: number;
  mix_temp: number;
  set_mix_temp: number;
  frame_number: number;
  volume_total: number;
}

/** Shot samples with de1_time between the sequence's start_flow and end_flow, by de1_time. */
export function flowSamples(db: Database, sequenceId: string): FlowSampleRow[] {
  const stmt = db.prepare(
    "SELECT x.*, s.start_flow FROM shot_sample_with_volume_update x JOIN sequence s ON s.id = x.sequence_id " +
      "WHERE s.id = ? AND x.de1_time >= s.start_flow AND x.de1_time <= s.end_flow ORDER BY x.de1_time",
  );
  stmt.bind([sequenceId]);
  const out: FlowSampleRow[] = [];
  while (stmt.step()) out.push(stmt.getAsObject() as unknown as FlowSampleRow);
  stmt.free();
  return out;
}

/** Ids of the espresso sequences, oldest first. */
export function espressoIds(db: Database): string[] {
  const r = db.exec("SELECT id FROM sequence WHERE active_state = 'Espresso' ORDER BY start_sequence");
  return r.length ? r[0].values.map((v) => String(v[0])) : [];
}
