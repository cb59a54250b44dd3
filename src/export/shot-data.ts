/**
 * Reading one sequence's shot data from a pyDE1-schema database (sql.js), with bound parameters:
 * the master row, its flow window, shot samples, scale samples, drink weight and profile row.
 * Shared by the legacy shot file, the JSON shot and the CSV exporters. Browser-safe.
 */
import type { Database } from "sql.js";
import { cellNumber as num, queryRows } from "../store/query-rows";
import { SequenceQueries, type SequenceRow } from "../store/sequences";
import { ProfileRows, type ProfileSummary } from "../store/profile-rows";
import { IncompleteSequenceError, NoEspressoSequenceError, SequenceNotFoundError } from "./errors";

export type { SequenceRow, ProfileSummary };

/** Options every exporter takes. */
export interface ExportOptions {
  /** Export a sequence that has not finished (no end_flow / end_sequence yet) with the data there is. */
  partial?: boolean;
}

/** The times a shot's series are cut at: shot samples in [startFlow, endFlow], scale samples in [startFlow, endSequence]. */
export interface FlowWindow {
  startFlow: number;
  endFlow: number;
  endSequence: number;
  /** False when some of the times were filled in because the sequence is unfinished (`partial`). */
  complete: boolean;
}

/**
 * The columns of one `shot_sample_with_volume_update` row (the DE1's ~5 Hz sample) that the
 * exporters write; the others (sample_time, steam_temp, the volumes by phase and by frame) are not
 * read, so a shot file does not pay for them.
 */
export interface ShotSample {
  de1Time: number;
  groupPressure: number | null;
  groupFlow: number | null;
  mixTemp: number | null;
  headTemp: number | null;
  setMixTemp: number | null;
  setHeadTemp: number | null;
  setGroupPressure: number | null;
  setGroupFlow: number | null;
  frameNumber: number | null;
  volumeTotal: number | null;
}

/** A scale reading with its own time (current weight, or average flow), from `weight_and_flow_update`. */
export interface ScaleReading {
  value: number | null;
  time: number;
}

/** Everything the exporters need about one shot. */
export interface ShotData {
  sequence: SequenceRow;
  window: FlowWindow;
  /** Shot samples with de1_time in [startFlow, endFlow], by de1_time. */
  samples: ShotSample[];
  /** Current-weight readings with their time in [startFlow, endSequence], by time. */
  weights: ScaleReading[];
  /** Average-flow (weight flow) readings with their time in [startFlow, endSequence], by time. */
  weightFlows: ScaleReading[];
  /** Max median weight between endFlow and endSequence; null without scale data there. */
  drinkWeight: number | null;
  /** The profile row (without source) the sequence points at; null when there is none. */
  profile: ProfileSummary | null;
  /** The profile's stored source text (JSON v2 for pyDE1); null when there is none. */
  profileSource: string | null;
}

const decoder = new TextDecoder();

/** Read-only store queries over an exporter's database (exports never write, so nothing to mark dirty). */
const readOnly = (): void => {};

/** The master row of a sequence; throws `SequenceNotFoundError` when there is none. */
export function readSequence(db: Database, sequenceId: string): SequenceRow {
  const row = new SequenceQueries(db, readOnly).get(sequenceId);
  if (row === null) throw new SequenceNotFoundError(sequenceId);
  return row;
}

/**
 * The flow window of a sequence. Like pyDE1, a sequence counts as complete only when start_sequence,
 * start_flow, end_flow and end_sequence are all set; otherwise `IncompleteSequenceError`, unless
 * `partial`, where a missing start_flow becomes start_sequence (or the first sample) and a missing
 * end becomes "open" (+max).
 */
export function flowWindow(db: Database, sequence: SequenceRow, options: ExportOptions = {}): FlowWindow {
  const missing: string[] = [];
  const { start_sequence: startSequence, start_flow: startFlow, end_flow: endFlow, end_sequence: endSequence } = sequence;
  if (startSequence === null) missing.push("start_sequence");
  if (startFlow === null) missing.push("start_flow");
  if (endFlow === null) missing.push("end_flow");
  if (endSequence === null) missing.push("end_sequence");
  if (startSequence !== null && startFlow !== null && endFlow !== null && endSequence !== null) {
    return { startFlow, endFlow, endSequence, complete: true };
  }
  if (!options.partial) throw new IncompleteSequenceError(sequence.id, missing);
  let start = startFlow ?? startSequence;
  if (start === null) {
    const first = queryRows(db, "SELECT min(de1_time) FROM shot_sample_with_volume_update WHERE sequence_id = ?", [sequence.id]);
    start = num(first[0]?.[0]);
  }
  if (start === null) throw new IncompleteSequenceError(sequence.id, missing);
  const open = Number.MAX_VALUE;
  return { startFlow: start, endFlow: endFlow ?? open, endSequence: endSequence ?? open, complete: false };
}

/**
 * Shot samples of a sequence with de1_time in [from, to], ordered by de1_time (the rows pyDE1 selects).
 * Sorted here rather than by `ORDER BY de1_time`, which made SQLite build a temporary B-tree of
 * whole rows (~10 % of a legacy shot file, BENCHMARKS.md): the rows come in the sequence index's
 * order (rowid) and the sort is stable, so ties keep that order, as SQLite's sorter leaves them.
 */
export function readShotSamples(db: Database, sequenceId: string, from: number, to: number): ShotSample[] {
  const found = queryRows(
    db,
    "SELECT de1_time, group_pressure, group_flow, mix_temp, head_temp, set_mix_temp, set_head_temp, " +
      "set_group_pressure, set_group_flow, frame_number, volume_total FROM shot_sample_with_volume_update " +
      "WHERE sequence_id = ? AND de1_time BETWEEN ? AND ?",
    [sequenceId, from, to],
  );
  // BETWEEN passes only numbers. The rows are nearly always in time order already: checked first,
  // so a command's one and only call (not yet optimized by V8) does not pay for a sort.
  let ordered = true;
  for (let i = 1; i < found.length && ordered; i++) ordered = (found[i - 1][0] as number) <= (found[i][0] as number);
  if (!ordered) found.sort((a, b) => (a[0] as number) - (b[0] as number));
  return found.map((r) => ({
    de1Time: r[0] as number,
    groupPressure: num(r[1]),
    groupFlow: num(r[2]),
    mixTemp: num(r[3]),
    headTemp: num(r[4]),
    setMixTemp: num(r[5]),
    setHeadTemp: num(r[6]),
    setGroupPressure: num(r[7]),
    setGroupFlow: num(r[8]),
    frameNumber: num(r[9]),
    volumeTotal: num(r[10]),
  }));
}

/** The drink weight: the largest median_weight with its time in [from, to] (pyDE1: end_flow to end_sequence). */
function drinkWeightOf(all: ScaleRow[], from: number, to: number): number | null {
  let best: number | null = null;
  for (const r of all) {
    const [w, t] = [r[4], r[5]];
    if (w !== null && t !== null && t >= from && t <= to && (best === null || w > best)) best = w;
  }
  return best;
}

/** A profile row (without source) and its source text; null when no row has that id. */
export function readProfile(db: Database, profileId: string | null): { row: ProfileSummary; source: string } | null {
  if (profileId === null) return null;
  const found = new ProfileRows(db, readOnly).get(profileId);
  if (found === null) return null;
  const { source, ...row } = found;
  return { row, source: decoder.decode(source) };
}

/** A sequence's scale rows as read once: [current_weight, its time, average_flow, its time, median_weight, its time]. */
type ScaleRow = (number | null)[];

/**
 * The readings of one scale column whose time lies in [from, to], ordered by time (ties in table
 * order, as SQLite's stable sort leaves them): with the scale rows read once per shot.
 */
function scaleSeriesOf(all: ScaleRow[], valueAt: number, from: number, to: number): ScaleReading[] {
  const out: { value: number | null; time: number; k: number }[] = [];
  all.forEach((r, k) => {
    const t = r[valueAt + 1];
    if (t !== null && t >= from && t <= to) out.push({ value: r[valueAt], time: t, k });
  });
  out.sort((a, b) => a.time - b.time || a.k - b.k);
  return out.map(({ value, time }) => ({ value, time }));
}

/** Everything the exporters need about one sequence; throws `SequenceNotFoundError` / `IncompleteSequenceError`. */
export function readShotData(db: Database, sequenceId: string, options: ExportOptions = {}): ShotData {
  const sequence = readSequence(db, sequenceId);
  const window = flowWindow(db, sequence, options);
  const profile = readProfile(db, sequence.profile_id);
  // one pass over the scale table instead of three queries
  const scale = queryRows(
    db,
    "SELECT current_weight, current_weight_time, average_flow, average_flow_time, median_weight, median_weight_time " +
      "FROM weight_and_flow_update WHERE sequence_id = ? ORDER BY rowid",
    [sequence.id],
  ).map((r) => r.map(num));
  return {
    sequence,
    window,
    samples: readShotSamples(db, sequence.id, window.startFlow, window.endFlow),
    weights: scaleSeriesOf(scale, 0, window.startFlow, window.endSequence),
    weightFlows: scaleSeriesOf(scale, 2, window.startFlow, window.endSequence),
    drinkWeight: drinkWeightOf(scale, window.endFlow, window.endSequence),
    profile: profile?.row ?? null,
    profileSource: profile?.source ?? null,
  };
}

/** The id of the newest espresso sequence (active_state 'Espresso', by start_sequence); throws `NoEspressoSequenceError`. */
export function latestEspressoId(db: Database): string {
  const row = new SequenceQueries(db, readOnly).latest("Espresso");
  if (row === null) throw new NoEspressoSequenceError();
  return row.id;
}

/** A sequence id as given, or the newest espresso sequence's id for `latest`. */
export function resolveSequenceId(db: Database, sequenceIdOrLatest: string): string {
  return sequenceIdOrLatest === "latest" ? latestEspressoId(db) : sequenceIdOrLatest;
}
