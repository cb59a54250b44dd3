/**
 * One sequence's shot as CSV: a header row, then one row per shot sample between start_flow and
 * end_flow. Elapsed seconds first, then the DE1's values, then the scale's, aligned by taking the
 * scale reading just before each sample (the legacy shot file's rule). Lines end in "\n"; values
 * are plain numbers (shortest round-trip spelling, elapsed to the millisecond, volume in ml, not the
 * legacy file's ml/10); a NULL, or a scale value the scale did not give, is an empty cell.
 */
import type { Database } from "sql.js";
import { formatFixed } from "./python-format";
import { readingsBefore } from "./scale-alignment";
import { readShotData, type ExportOptions, type ShotData, type ShotSample } from "./shot-data";

/** The CSV header, in column order. */
export const CSV_COLUMNS = [
  "elapsed",
  "pressure",
  "flow",
  "pressure_goal",
  "flow_goal",
  "temperature_basket",
  "temperature_mix",
  "temperature_mix_goal",
  "temperature_basket_goal",
  "frame_number",
  "volume_total",
  "weight",
  "weight_flow",
] as const;

/** A number cell: empty for NULL, else the shortest spelling that reads back as the same value. */
const cell = (x: number | null | undefined): string => (x === null || x === undefined ? "" : String(x));

/** The DE1 cells of one sample, after elapsed and before the scale cells. */
function sampleCells(s: ShotSample): string[] {
  return [
    s.groupPressure,
    s.groupFlow,
    s.setGroupPressure,
    s.setGroupFlow,
    s.headTemp,
    s.mixTemp,
    s.setMixTemp,
    s.setHeadTemp,
    s.frameNumber,
    s.volumeTotal,
  ].map(cell);
}

/** CSV text for already-read shot data. */
export function formatShotCsv(data: ShotData): string {
  const times = data.samples.map((s) => s.de1Time);
  const weights = readingsBefore(data.weights, times);
  const weightFlows = readingsBefore(data.weightFlows, times);
  const lines = [CSV_COLUMNS.join(",")];
  data.samples.forEach((s, i) => {
    const elapsed = formatFixed(s.de1Time - data.window.startFlow, 3);
    lines.push([elapsed, ...sampleCells(s), cell(weights[i]?.value), cell(weightFlows[i]?.value)].join(","));
  });
  return lines.join("\n") + "\n";
}

/**
 * One sequence's shot samples as CSV. Throws `SequenceNotFoundError`, or `IncompleteSequenceError`
 * for an unfinished sequence unless `{ partial: true }`.
 */
export function shotCsv(db: Database, sequenceId: string, options: ExportOptions = {}): string {
  return formatShotCsv(readShotData(db, sequenceId, options));
}
