/** `pyde1-store info`: schema version, size and rows per table of a database. */
import { existsSync, statSync } from "node:fs";
import type { Command } from "../command";
import { required } from "../command";
import { closeRead, openForRead } from "../open-db";
import { inspectSchema } from "../../store/schema";
import { lockHolder } from "../../store/persist/lock-file";
import { journalPaths, unsavedJournalRecords } from "../../ingest/durable-store";

/** The `info` command. */
export const info: Command = {
  name: "info",
  summary: "show a database's schema version, size, rows per table and who writes it",
  help: `Usage: pyde1-store info --db FILE [--json]

Reads FILE (a live pyDE1 file's -wal is applied, nothing is written) and prints its user_version,
the schema version its tables are (pyDE1 2.0 writes user_version 2 into files with the v3 tables),
its size in bytes and the number of rows in each table. Then who writes it: the pyde1-store
recorder holding its lock (and its process id), or pyDE1 or another SQLite writer (a -wal beside
it, and how many of its frames were applied); and how many events FILE.journal holds that the
file does not yet (the recorder saves them when a sequence ends; after a crash, its next start).

Options:
  --db FILE   the database to read
  --json      print {"user_version": N, "schema_version": N, "bytes": N,
              "tables": {"<table>": rows, ...}, "recorder_pid": N|null,
              "wal_frames_applied": N, "unsaved_journal_events": N}
  -h, --help  show this help`,
  options: { db: { type: "string" }, json: { type: "boolean" } },
  async run(args) {
    const path = required(args, "db");
    const ps = await openForRead(path);
    try {
      const schema = inspectSchema(ps.store.db, path);
      const report = {
        user_version: schema.userVersion,
        schema_version: schema.version,
        bytes: statSync(path).size,
        tables: ps.store.tableCounts(),
        recorder_pid: lockHolder(ps.persistence.name),
        wal_frames_applied: (ps.persistence as { walFramesApplied?: number }).walFramesApplied ?? 0,
        unsaved_journal_events: unsavedJournalRecords(ps.store, ps.persistence.name),
      };
      if (args.values.json) {
        console.log(JSON.stringify(report));
      } else {
        const note = report.schema_version === report.user_version ? "" : ` (schema v${report.schema_version}: pyDE1 2.0 writes 2 into its v3 files)`;
        console.log(`${path}\n  user_version ${report.user_version}${note}\n  bytes        ${report.bytes}`);
        const width = Math.max(...Object.keys(report.tables).map((t) => t.length));
        for (const [t, n] of Object.entries(report.tables)) console.log(`  ${t.padEnd(width)}  ${n}`);
        const writers = [];
        if (report.recorder_pid !== null) writers.push(`the pyde1-store recorder (process ${report.recorder_pid})`);
        if (existsSync(`${ps.persistence.name}-wal`)) writers.push(`pyDE1 or another SQLite program (a -wal is beside it; ${report.wal_frames_applied} of its frames applied here)`);
        console.log(`  writer       ${writers.length ? writers.join("; ") : "none"}`);
        if (report.unsaved_journal_events > 0) {
          const when = report.recorder_pid !== null ? "the recorder saves them when the sequence ends" : "the recorder is not running: its next start puts them in";
          console.log(`  journal      ${report.unsaved_journal_events} events in ${journalPaths(ps.persistence.name).journal} not in the file yet (${when})`);
        }
      }
    } finally {
      await closeRead(ps);
    }
    return 0;
  },
};
