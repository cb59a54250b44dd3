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

/** The `list` command. */
export const list: Command = {
  name: "list",
  summary: "list the sequences (shots, steam, hot water, flushes), newest first",
  help: `Usage: pyde1-store list --db FILE [--state STATE] [--limit N] [--json]

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
  -h, --help      show this help

Example:
  pyde1-store list --db /var/lib/pyde1/pyde1.sqlite3 --state Espresso --limit 5`,
  options: { db: { type: "string" }, state: { type: "string" }, limit: { type: "string" }, json: { type: "boolean" } },
  async run(args) {
    const path = required(args, "db");
    const wanted = optional(args, "state");
    const state = wanted === undefined ? undefined : SEQUENCE_STATES.find((s) => s.toLowerCase() === wanted.toLowerCase());
    if (wanted !== undefined && state === undefined) throw new UsageError(`--state must be one of ${SEQUENCE_STATES.join(", ")}, not '${wanted}'`);
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
    } else if (shown.length === 0) {
      console.error(`${path}: holds no ${state ? `${state} ` : ""}sequences.`);
    } else {
      for (const s of shown) console.log(line(s));
    }
    return 0;
  },
};
