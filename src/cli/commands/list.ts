/** `pyde1-store list`: the sequences of a database, newest first, with the ids other commands take. */
import type { Command } from "../command";
import { numberOption, optional, required, UsageError } from "../command";
import { closeRead, openForRead } from "../open-db";
import { SEQUENCE_STATES, type SequenceSummary } from "../../store/sequences";
import { localDateTime } from "../local-date-time";

/** The profile as one list line shows it: its title, marked when assumed or not stored. */
function profileText(s: SequenceSummary): string {
  if (!s.profile_found) return s.profile_id === "dummy" ? "(no profile)" : `(profile ${s.profile_id} not stored)`;
  const title = s.profile_title ?? "(no title)";
  return s.profile_assumed ? `${title} (assumed)` : title;
}

/** One line of the text listing. */
function line(s: SequenceSummary): string {
  const flow = s.flow_duration === null ? "-" : `${s.flow_duration.toFixed(1)} s`;
  const weight = s.drink_weight === null ? "-" : `${s.drink_weight.toFixed(1)} g`;
  const state = s.active_state ?? "-";
  const open = s.end_sequence === null ? "  (not complete)" : "";
  return `${s.id}  ${localDateTime(s.start_sequence)}  ${state.padEnd(13)}  ${flow.padStart(7)}  ${weight.padStart(7)}  ${profileText(s)}${open}`;
}

/** The columns of `--csv`, in order: the JSON fields, with the local start after the id. */
const CSV_COLUMNS = [
  "id",
  "start_local",
  "active_state",
  "start_sequence",
  "start_flow",
  "end_flow",
  "end_sequence",
  "flow_duration",
  "drink_weight",
  "profile_id",
  "profile_title",
  "profile_assumed",
  "profile_found",
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; null is empty. */
function csvField(v: string | number | boolean | null): string {
  const text = v === null ? "" : String(v);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line of a sequence. */
function csvLine(s: SequenceSummary): string {
  return CSV_COLUMNS.map((c) => csvField(c === "start_local" ? (s.start_sequence === null ? null : localDateTime(s.start_sequence)) : s[c])).join(",");
}

/** The `list` command. */
export const list: Command = {
  name: "list",
  summary: "list the sequences (shots, steam, hot water, flushes), newest first",
  help: `Usage: pyde1-store list --db FILE [--state STATE] [--limit N] [--json | --csv]

Reads FILE (a live pyDE1 file's -wal is applied, nothing is written) and lists its sequences,
newest first, one a line: the sequence id (what export, upload and replay take), the start in
the local time zone (TZ), the kind, the flow time (flow begin to flow end), the drink weight
(pyDE1's: the largest median weight between flow end and the sequence's end) and the profile's
title, marked "(assumed)" when pyDE1 assumed its last loaded profile. A sequence still recording,
or cut short, is marked "(not complete)". "-" is an unknown value.

Options:
  --db FILE       the database to read
  --state STATE   only this kind: ${SEQUENCE_STATES.join(", ")}
  --limit N       only the newest N
  --json          print a JSON array instead: per sequence its id, active_state, the times
                  (start_sequence, start_flow, end_flow, end_sequence: epoch seconds),
                  profile_id, profile_assumed, profile_title, profile_found, flow_duration,
                  drink_weight
  --csv           print a CSV table instead (a header line, then one line per sequence):
                  the JSON fields, with start_local (the start in the local time zone)
                  after the id; an unknown value is empty. For a spreadsheet of your shots
  -h, --help      show this help

Example:
  pyde1-store list --db /var/lib/pyde1/pyde1.sqlite3 --state Espresso --limit 5
  pyde1-store list --db /var/lib/pyde1/pyde1.sqlite3 --state Espresso --csv > shots.csv`,
  options: { db: { type: "string" }, state: { type: "string" }, limit: { type: "string" }, json: { type: "boolean" }, csv: { type: "boolean" } },
  async run(args) {
    const path = required(args, "db");
    const wanted = optional(args, "state");
    const state = wanted === undefined ? undefined : SEQUENCE_STATES.find((s) => s.toLowerCase() === wanted.toLowerCase());
    if (wanted !== undefined && state === undefined) throw new UsageError(`--state must be one of ${SEQUENCE_STATES.join(", ")}, not '${wanted}'`);
    if (args.values.json && args.values.csv) throw new UsageError("--json and --csv are two ways to print the list: give one");
    const limit = numberOption(args, "limit", Infinity);
    if (!Number.isInteger(limit) && limit !== Infinity) throw new UsageError(`--limit must be a whole number, not '${optional(args, "limit")}'`);
    const ps = await openForRead(path);
    let shown: SequenceSummary[];
    try {
      shown = ps.store.sequences
        .summaries()
        .filter((s) => state === undefined || s.active_state === state)
        .slice(0, limit);
    } finally {
      await closeRead(ps);
    }
    if (args.values.json) {
      console.log(JSON.stringify(shown));
    } else if (args.values.csv) {
      process.stdout.write([CSV_COLUMNS.join(","), ...shown.map(csvLine)].map((l) => `${l}\n`).join(""));
    } else if (shown.length === 0) {
      console.error(`${path}: holds no ${state ? `${state} ` : ""}sequences.`);
    } else {
      for (const s of shown) console.log(line(s));
    }
    return 0;
  },
};
