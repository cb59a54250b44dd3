/**
 * de1app's JSON v2 shot format (what de1app writes as `history/*.json`, and visualizer.coffee reads as
 * "DecentJson"), built from a pyDE1 database. Structure and key names follow a real de1app file
 * (`data/shots/20211019T100744.json`); like de1app, every number is written as a string.
 *
 * What pyDE1 does not record, and what we put there instead:
 * - `flow.by_weight_raw`: no unsmoothed scale flow is stored; it repeats `flow.by_weight`.
 * - `resistance.by_weight`: P / (weight flow)², `0.0` while the weight flow is not positive.
 * - `state_change`: pyDE1 stores no state-change series; like pyDE1's legacy file, ±10000000.0 by frame parity.
 * - weight series without scale data (fewer than two readings): `0.0` for every sample.
 * - `timers`, `scale`, `app.data.machine_state`: empty objects.
 * - `meta` bean / grinder / shot notes, dose (`in`), TDS, EY: empty or `0` (pyDE1 keeps no such data);
 *   `meta.out` is the drink weight, `meta.time` the last elapsed time.
 * - `profile`: the stored JSON v2 source; without one (e.g. the `dummy` profile), a stub with the
 *   row's title, author, notes, beverage type and no steps.
 * - `app.data.settings`: only the fields pyDE1 knows (profile title, notes, author, beverage type,
 *   drink weight, clock); `app.data.pyde1` carries the sequence's own ids and gate times.
 */
import type { Database } from "sql.js";
import { floatRepr, formatFixed, roundHalfEven } from "./python-format";
import { tclClockDate } from "./local-time";
import { readingsBefore } from "./scale-alignment";
import { resistance } from "./legacy-shot";
import { readShotData, type ExportOptions, type ShotData, type ShotSample } from "./shot-data";

/** Options for the JSON shot: the export options plus what to name as the writing app. */
export interface JsonShotOptions extends ExportOptions {
  /** Written as `app.app_version` (e.g. the package version); empty when not given. */
  appVersion?: string;
}

/** A JSON value as the shot object holds it. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A number the way de1app (Tcl) writes it in JSON: a string, floats spelled like Python's repr. */
const str = (x: number | null): string => floatRepr(x ?? 0);

/** Weight-flow or weight values, one per sample, `0.0` when the scale gave too little to align. */
function aligned(readings: ShotData["weights"], times: number[]): string[] {
  const before = readingsBefore(readings, times);
  return before.length === times.length ? before.map((r) => str(r.value)) : times.map(() => "0.0");
}

/** The profile object: the stored JSON v2 source when it parses to an object, else a stub from the row. */
function profileObject(data: ShotData): Json {
  if (data.profileSource !== null) {
    try {
      const parsed: unknown = JSON.parse(data.profileSource);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Json;
    } catch {
      // not JSON (e.g. the dummy profile's source 'dummy'): use the stub
    }
  }
  const p = data.profile;
  return {
    title: p?.title ?? "",
    author: p?.author ?? "",
    notes: p?.notes ?? "",
    beverage_type: p?.beverage_type ?? "",
    steps: [],
    version: "2",
  };
}

/** The de1app JSON v2 shot object for already-read shot data. */
export function buildJsonShot(data: ShotData, options: JsonShotOptions = {}): { [key: string]: Json } {
  const { sequence, window, samples } = data;
  const start = window.startFlow;
  const clock = String(roundHalfEven(start));
  const col = (pick: (s: ShotSample) => number | null) => samples.map((s) => str(pick(s)));
  const elapsedSeconds = samples.map((s) => Number(formatFixed(s.de1Time - start, 3)));
  const times = samples.map((s) => s.de1Time);
  const weightFlow = aligned(data.weightFlows, times);
  const drinkWeight = formatFixed(data.drinkWeight ?? 0, 1);
  const profile = data.profile;
  return {
    version: "2",
    clock,
    date: tclClockDate(start),
    timestamp: clock,
    elapsed: elapsedSeconds.map(str),
    timers: {},
    pressure: { pressure: col((s) => s.groupPressure), goal: col((s) => s.setGroupPressure) },
    flow: {
      flow: col((s) => s.groupFlow),
      by_weight: weightFlow,
      by_weight_raw: weightFlow,
      goal: col((s) => s.setGroupFlow),
    },
    temperature: { basket: col((s) => s.headTemp), mix: col((s) => s.mixTemp), goal: col((s) => s.setMixTemp) },
    scale: {},
    totals: { weight: aligned(data.weights, times), water_dispensed: col((s) => (s.volumeTotal ?? 0) / 10) },
    resistance: {
      resistance: col((s) => resistance(s.groupPressure ?? 0, s.groupFlow ?? 0)),
      by_weight: samples.map((s, i) => {
        const wf = Number(weightFlow[i]);
        return str(wf > 0 ? (s.groupPressure ?? 0) / (wf * wf) : 0);
      }),
    },
    state_change: samples.map((s) => (Math.trunc(s.frameNumber ?? 0) % 2 !== 0 ? "10000000.0" : "-10000000.0")),
    profile: profileObject(data),
    meta: {
      bean: { brand: "", type: "", notes: "", roast_level: "", roast_date: "" },
      shot: { enjoyment: "0", notes: "", tds: "0", ey: "0" },
      grinder: { model: "", setting: "" },
      in: "0",
      out: drinkWeight,
      time: formatFixed(elapsedSeconds.at(-1) ?? 0, 1),
    },
    app: {
      app_name: "pyde1-store",
      app_version: options.appVersion ?? "",
      data: {
        settings: {
          profile_title: profile?.title ?? "",
          profile_notes: profile?.notes ?? "",
          author: profile?.author ?? "",
          beverage_type: profile?.beverage_type ?? "",
          drink_weight: drinkWeight,
          espresso_clock: clock,
        },
        machine_state: {},
        pyde1: {
          sequence_id: sequence.id,
          profile_id: sequence.profile_id,
          profile_assumed: sequence.profile_assumed === 1,
          active_state: sequence.active_state,
          start_sequence: sequence.start_sequence,
          start_flow: sequence.start_flow,
          end_flow: sequence.end_flow,
          end_sequence: sequence.end_sequence,
        },
      },
    },
  };
}

/**
 * One sequence as a de1app JSON v2 shot file (2-space indented, trailing newline). Throws
 * `SequenceNotFoundError`, or `IncompleteSequenceError` for an unfinished sequence unless `{ partial: true }`.
 */
export function jsonShotFile(db: Database, sequenceId: string, options: JsonShotOptions = {}): string {
  return JSON.stringify(buildJsonShot(readShotData(db, sequenceId, options), options), null, 2) + "\n";
}
