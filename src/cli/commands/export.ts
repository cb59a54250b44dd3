/** `pyde1-store export`: one sequence, or every sequence into a folder, as pyDE1's legacy shot file, de1app JSON shot, or CSV. */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command, Parsed } from "../command";
import { optional, required, UsageError } from "../command";
import { closeRead, openForRead } from "../open-db";
import { IncompleteSequenceError } from "../../export/errors";
import { isShotFormat, SHOT_FORMATS, shotFileName, type ShotFormat } from "../../export/shot-formats";
import { SEQUENCE_STATES } from "../../store/sequences";
import { fsyncPath } from "../../store/persist/fsync-path";
import { resolveSequenceArg, sequenceError } from "../sequence-arg";
import { folderWritable, outputProblem, OutputFileError, writeFileAtomic } from "../output-file";
import { progressBar } from "../progress-bar";

/** What each format's files are called in messages. */
const FORMAT_NOUN: Record<ShotFormat, string> = { legacy: "legacy shot file", json: "JSON shot file", csv: "CSV file" };

/** More sequences than this get a progress bar on a terminal. */
const PROGRESS_OVER = 20;

/** The `export` command. */
export const exportShot: Command = {
  name: "export",
  summary: "write a sequence (or all, into a folder) as a legacy shot file, de1app JSON shot or CSV",
  help: `Usage: pyde1-store export --db FILE --sequence ID|latest --format legacy|json|csv [-o OUT] [--partial]
       pyde1-store export --db FILE --all --to DIR --format legacy|json|csv [--state STATE|all] [--partial] [--overwrite]

Reads FILE (a live pyDE1 file's -wal is applied, nothing is written to it) and writes a sequence:
  legacy  pyDE1's legacy shot file, byte for byte what pyDE1 writes (local_time in the zone of TZ)
  json    de1app's JSON v2 shot (visualizer.coffee accepts it)
  csv     one row per shot sample, scale values aligned, header row first

Without -o the text goes to standard output. With -o it is written to OUT.tmp-<pid> and renamed
over OUT, so a failed export never leaves half a file.

With --all, every sequence of one kind (Espresso unless --state says otherwise) gets its own file
in DIR, named <id>.shot, <id>.json or <id>.csv, each written the same safe way. Files already in
DIR are left as they are, so running it again (from cron, say) writes only the new sequences;
--overwrite writes them all again. A sequence not complete yet (still recording, or cut short) is
skipped unless --partial. A sequence that cannot be exported is named on standard error, the
others are still written, and the exit code is 1. A summary line ends the run; on a terminal,
more than ${PROGRESS_OVER} sequences show a progress bar.

Options:
  --db FILE             the database to read
  --sequence ID|latest  the sequence id ('pyde1-store list' shows them), or 'latest' for
                        the newest Espresso sequence
  --format F            legacy, json or csv
  -o, --output OUT      write to OUT instead of standard output
  --partial             export a sequence that has not finished (no end_flow yet) with what there is
  --all                 export every sequence of a kind, one file each, into --to DIR
  --to DIR              with --all: the folder for the files (must exist)
  --state STATE|all     with --all: the kind, one of ${SEQUENCE_STATES.join(", ")}, or all
                        (default Espresso)
  --overwrite           with --all: write files that are already in DIR again
  -h, --help            show this help

Examples:
  TZ=UTC pyde1-store export --db /var/lib/pyde1/pyde1.sqlite3 --sequence latest --format legacy -o shot.txt
  pyde1-store export --db /var/lib/pyde1/pyde1.sqlite3 --all --to ~/shots --format json`,
  options: {
    db: { type: "string" },
    sequence: { type: "string" },
    format: { type: "string" },
    output: { type: "string", short: "o" },
    partial: { type: "boolean" },
    all: { type: "boolean" },
    to: { type: "string" },
    state: { type: "string" },
    overwrite: { type: "boolean" },
  },
  async run(args) {
    const path = required(args, "db");
    if (args.values.all === true) return exportAll(args, path);
    for (const name of ["to", "state", "overwrite"]) {
      if (args.values[name] !== undefined) throw new UsageError(`--${name} goes with --all (every sequence into a folder); for one sequence use --sequence ID and -o OUT`);
    }
    const sequence = required(args, "sequence");
    const format = formatOption(args);
    const out = optional(args, "output");
    if (out) {
      const problem = outputProblem(out);
      if (problem) throw new OutputFileError(out, problem);
    }
    const ps = await openForRead(path);
    let text: string;
    try {
      const id = resolveSequenceArg(ps.store.db, path, sequence);
      try {
        text = SHOT_FORMATS[format].make(ps.store.db, id, { partial: args.values.partial === true });
      } catch (e) {
        throw sequenceError(e, path);
      }
    } finally {
      await closeRead(ps);
    }
    if (out) writeFileAtomic(out, text);
    else process.stdout.write(text);
    return 0;
  },
};

/** The checked `--format`. */
function formatOption(args: Parsed): ShotFormat {
  const format = required(args, "format");
  if (!isShotFormat(format)) throw new UsageError(`--format must be legacy, json or csv, not '${format}'`);
  return format;
}

/** The checked `--state` of `--all`: one of pyDE1's sequence states, or undefined for all. */
function stateOption(args: Parsed): string | undefined {
  const wanted = optional(args, "state") ?? "Espresso";
  if (wanted.toLowerCase() === "all") return undefined;
  const state = SEQUENCE_STATES.find((s) => s.toLowerCase() === wanted.toLowerCase());
  if (state === undefined) throw new UsageError(`--state must be one of ${SEQUENCE_STATES.join(", ")} or all, not '${wanted}'`);
  return state;
}

/** "1 legacy shot file", "3 legacy shot files". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** `export --all`: every sequence of a kind into a folder, one file each; resolves to the exit code. */
async function exportAll(args: Parsed, path: string): Promise<number> {
  if (optional(args, "sequence") !== undefined) throw new UsageError("--all exports every sequence and --sequence one: give one of them, not both");
  if (optional(args, "output") !== undefined) throw new UsageError("with --all each sequence gets its own file: name their folder with --to DIR, not -o");
  const dir = optional(args, "to");
  if (dir === undefined || dir === "") throw new UsageError("--all needs --to DIR, the folder for the files");
  const format = formatOption(args);
  const state = stateOption(args);
  const partial = args.values.partial === true;
  const overwrite = args.values.overwrite === true;
  if (!existsSync(dir)) throw new OutputFileError(dir, `${dir}: no such folder. Create it first (mkdir -p ${dir}), or choose another --to.`);
  if (!statSync(dir).isDirectory()) throw new OutputFileError(dir, `${dir}: is a file, not a folder. Name a folder with --to; each sequence gets its own file in it.`);
  if (!folderWritable(dir)) throw new OutputFileError(dir, `${dir}: cannot write there: the folder is read-only. Choose a folder you may write to.`);

  const noun = FORMAT_NOUN[format];
  let written = 0;
  let present = 0;
  let incomplete = 0;
  const failures: string[] = [];
  const ps = await openForRead(path);
  try {
    const chosen = ps.store.sequences
      .summaries()
      .filter((s) => state === undefined || s.active_state === state)
      .reverse(); // oldest first
    if (chosen.length === 0) {
      console.error(`${path}: holds no ${state ? `${state} ` : ""}sequences; nothing to export.`);
      return 0;
    }
    const bar = progressBar("export", process.stderr.isTTY === true && chosen.length > PROGRESS_OVER);
    const names = new Map<string, string>();
    try {
      for (const [i, s] of chosen.entries()) {
        bar.update(i, chosen.length);
        const name = shotFileName(s.id, format);
        const other = names.get(name);
        if (other !== undefined) {
          failures.push(`${path}: sequence '${s.id}': its file name ${name} is also sequence '${other}''s. Export it alone: --sequence '${s.id}' -o OUT.`);
          continue;
        }
        names.set(name, s.id);
        const target = join(dir, name);
        if (!overwrite && existsSync(target)) {
          present++;
          continue;
        }
        let text: string;
        try {
          text = SHOT_FORMATS[format].make(ps.store.db, s.id, { partial });
        } catch (e) {
          if (e instanceof IncompleteSequenceError) incomplete++;
          else failures.push(`${path}: sequence '${s.id}': ${(e as Error).message}`);
          continue;
        }
        try {
          writeFileAtomic(target, text, { syncFolder: false });
        } catch (e) {
          // a write that fails (disk full, permissions) would fail for the rest too: end the run
          if (!(e instanceof OutputFileError)) throw e;
          const before = written === 0 ? "" : ` The ${count(written, noun)} written before it are complete and kept; run the command again once this is fixed.`;
          throw new OutputFileError(e.path, `${e.message}${before}`);
        }
        written++;
      }
      bar.update(chosen.length, chosen.length);
    } finally {
      bar.finish();
      if (written > 0) fsyncPath(resolve(dir)); // the new names durable, once for all of them
    }
  } finally {
    await closeRead(ps);
  }
  for (const f of failures) console.error(f);
  const parts = [`wrote ${count(written, noun)} to ${dir}`];
  if (present > 0) parts.push(`${present} already there (--overwrite writes them again)`);
  if (incomplete > 0) parts.push(`${incomplete} not complete, skipped (--partial includes ${incomplete === 1 ? "it" : "them"})`);
  if (failures.length > 0) parts.push(`${failures.length} failed (above)`);
  console.log(parts.join("; "));
  return failures.length > 0 ? 1 : 0;
}
