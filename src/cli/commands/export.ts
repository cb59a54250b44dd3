/** `pyde1-store export`: one sequence as pyDE1's legacy shot file, de1app JSON shot, or CSV. */
import type { Database } from "sql.js";
import type { Command } from "../command";
import { optional, required, UsageError } from "../command";
import { closeRead, openForRead } from "../open-db";
import { legacyShotFile } from "../../export/legacy-shot";
import { jsonShotFile } from "../../export/json-shot";
import { shotCsv } from "../../export/csv";
import { resolveSequenceArg, sequenceError } from "../sequence-arg";
import { outputProblem, OutputFileError, writeFileAtomic } from "../output-file";

/** The formats `--format` takes, and the exporter for each. */
const FORMATS: Record<string, (db: Database, id: string, options: { partial: boolean }) => string> = {
  legacy: legacyShotFile,
  json: jsonShotFile,
  csv: shotCsv,
};

/** The `export` command. */
export const exportShot: Command = {
  name: "export",
  summary: "write one sequence as a legacy shot file, de1app JSON shot or CSV",
  help: `Usage: pyde1-store export --db FILE --sequence ID|latest --format legacy|json|csv [-o OUT] [--partial]

Reads FILE (a live pyDE1 file's -wal is applied, nothing is written to it) and writes one sequence:
  legacy  pyDE1's legacy shot file, byte for byte what pyDE1 writes (local_time in the zone of TZ)
  json    de1app's JSON v2 shot (visualizer.coffee accepts it)
  csv     one row per shot sample, scale values aligned, header row first

Without -o the text goes to standard output. With -o it is written to OUT.tmp-<pid> and renamed
over OUT, so a failed export never leaves half a file.

Options:
  --db FILE             the database to read
  --sequence ID|latest  the sequence id ('pyde1-store list' shows them), or 'latest' for
                        the newest Espresso sequence
  --format F            legacy, json or csv
  -o, --output OUT      write to OUT instead of standard output
  --partial             export a sequence that has not finished (no end_flow yet) with what there is
  -h, --help            show this help

Example:
  TZ=UTC pyde1-store export --db /var/lib/pyde1/pyde1.sqlite3 --sequence latest --format legacy -o shot.txt`,
  options: {
    db: { type: "string" },
    sequence: { type: "string" },
    format: { type: "string" },
    output: { type: "string", short: "o" },
    partial: { type: "boolean" },
  },
  async run(args) {
    const path = required(args, "db");
    const sequence = required(args, "sequence");
    const format = required(args, "format");
    const exporter = FORMATS[format];
    if (!exporter) throw new UsageError(`--format must be legacy, json or csv, not '${format}'`);
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
        text = exporter(ps.store.db, id, { partial: args.values.partial === true });
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
