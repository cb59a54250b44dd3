/**
 * pyDE1 2.0.0's legacy shot file (the Tcl-like text it uploads to visualizer.coffee), byte for byte
 * what pyDE1's `legacy_shot_file()` writes from the same database.
 *
 * Where pyDE1 crashes we still write a file, and say what we put there:
 * - no profile row, or a row without title / beverage type (the seeded `dummy` profile):
 *   `profile_title {}` / `beverage_type {}`; the profile JSON shows the row's NULLs as `null`
 *   (for a missing row: the sequence's profile_id and all other fields `null`);
 * - no scale readings between end_flow and end_sequence: `drink_weight 0.0`;
 * - a NULL in a sample's value: written as 0 (`0.00`), so every series keeps one value per sample;
 * - a NULL frame number: 0.
 */
import type { Database } from "sql.js";
import { formatFixed, formatInt, roundHalfEven } from "./python-format";
import { pythonJson, type PyJsonValue } from "./python-json";
import { rfc2822Local } from "./local-time";
import { readingsBefore } from "./scale-alignment";
import { readShotData, type ExportOptions, type ProfileSummary, type ShotData, type ShotSample } from "./shot-data";

/** pyDE1's floor for the flow in the resistance P / F², "about 2^-13 for a U16P12 value". */
export const MIN_FLOW_FOR_RESISTANCE = 0.0001;

/** `{a b c}`: items joined by spaces in braces, no quoting (as pyDE1 does). */
function braced(items: readonly string[]): string {
  return `{${items.join(" ")}}`;
}

/** Two decimals, Python rounding; NULL as 0. */
const two = (x: number | null): string => formatFixed(x ?? 0, 2);

/** The synthetic state-change series: +10000000 on odd frames, -10000000 on even ones. */
function stateChange(frame: number): string {
  return frame % 2 !== 0 ? "10000000" : "-10000000";
}

/** P / max(F, floor)², pyDE1's resistance. */
export function resistance(pressure: number, flow: number): number {
  const f = Math.max(flow, MIN_FLOW_FOR_RESISTANCE);
  return pressure / (f * f);
}

/** The profile row as pyDE1 dumps it: its columns (without source) in table order. */
function profileJson(p: ProfileSummary | null, profileId: string): PyJsonValue {
  return {
    id: p ? p.id : profileId,
    source_format: p?.source_format ?? null,
    fingerprint: p?.fingerprint ?? null,
    date_added: p?.date_added ?? null, // REAL affinity: a number here is a Python float
    title: p?.title ?? null,
    author: p?.author ?? null,
    notes: p?.notes ?? null,
    beverage_type: p?.beverage_type ?? null,
  };
}

/** The legacy shot file text for already-read shot data. */
export function formatLegacyShot(data: ShotData): string {
  const { sequence, window, samples } = data;
  const start = window.startFlow;
  const lines: string[] = [];
  const series = (name: string, pick: (s: ShotSample) => string) => lines.push(`${name} ${braced(samples.map(pick))}`);

  lines.push(`sequence_id ${sequence.id}`);
  lines.push(`clock ${formatInt(roundHalfEven(start))}`);
  lines.push(`local_time ${braced([rfc2822Local(start)])}`);
  series("espresso_elapsed", (s) => formatFixed(s.de1Time - start, 3));
  series("espresso_pressure", (s) => two(s.groupPressure));
  series("espresso_flow", (s) => two(s.groupFlow));
  series("espresso_temperature_basket", (s) => two(s.headTemp));
  series("espresso_temperature_mix", (s) => two(s.mixTemp));
  lines.push("WARNING {espresso_water_dispensed scaled by 10 for legacy compatibility}");
  series("espresso_water_dispensed", (s) => two((s.volumeTotal ?? 0) / 10));
  series("espresso_temperature_goal", (s) => two(s.setMixTemp));
  series("espresso_pressure_goal", (s) => two(s.setGroupPressure));
  series("espresso_flow_goal", (s) => two(s.setGroupFlow));
  series("espresso_frame_number", (s) => formatInt(Math.trunc(s.frameNumber ?? 0)));
  series("espresso_state_change", (s) => stateChange(Math.trunc(s.frameNumber ?? 0)));
  series("espresso_resistance", (s) => two(resistance(s.groupPressure ?? 0, s.groupFlow ?? 0)));

  const times = samples.map((s) => s.de1Time);
  lines.push(`espresso_weight ${braced(readingsBefore(data.weights, times).map((r) => two(r.value)))}`);
  lines.push(`espresso_flow_weight ${braced(readingsBefore(data.weightFlows, times).map((r) => two(r.value)))}`);

  lines.push("settings {");
  lines.push(`\tprofile_title ${braced([data.profile?.title ?? ""])}`);
  lines.push(`\tdrink_weight ${formatFixed(data.drinkWeight ?? 0, 1)}`);
  lines.push(`\tbeverage_type ${braced([data.profile?.beverage_type ?? ""])}`);
  lines.push("}");
  lines.push(`profile ${pythonJson(profileJson(data.profile, sequence.profile_id), { indent: 2 })}`);
  return lines.join("\n") + "\n";
}

/**
 * pyDE1's legacy shot file for one sequence. Throws `SequenceNotFoundError`, or
 * `IncompleteSequenceError` for an unfinished sequence unless `{ partial: true }`.
 */
export function legacyShotFile(db: Database, sequenceId: string, options: ExportOptions = {}): string {
  return formatLegacyShot(readShotData(db, sequenceId, options));
}
