/** `pyde1-store backup`: a verified, never-overwriting snapshot of a database into a folder. */
import type { Command } from "../command";
import { optional, required, UsageError } from "../command";
import { closeRead, openForRead } from "../open-db";
import { loadNodeSqlJs } from "../../store/persist/sqljs-node";
import { backupStore } from "../../export/backup-file";
import { progressBar } from "../progress-bar";
import { existsSync, statSync } from "node:fs";
import { folderWritable } from "../output-file";
import { journalPaths, unsavedJournalRecords } from "../../ingest/durable-store";

/** Database files larger than this get a progress bar on a terminal. */
const PROGRESS_OVER_BYTES = 50 * 1024 * 1024;

/** The `backup` command. */
export const backup: Command = {
  name: "backup",
  summary: "write a verified snapshot of a database to a folder (optionally gzipped)",
  help: `Usage: pyde1-store backup --db FILE --to DIR [--compress gzip|none]

Takes a consistent snapshot of FILE — a live pyDE1 file's committed -wal frames applied, nothing
written to FILE — and writes it to DIR as pyde1.<YYYY-MM-DD_HHMM>.sqlite3 (or .sqlite3.gz), local
time. An existing file is never overwritten: a -1, -2, ... suffix is added to the stamp. The copy
is read back (gunzipped), compared with the snapshot and checked with PRAGMA integrity_check before
success is reported; a copy that fails is removed. The copy is a rollback-journal file: open it with
any SQLite tool, no -wal needed. 'pyde1-store restore --from COPY --db FILE' puts one back. On a
terminal, files over 50 MB show a progress bar. While the recorder writes FILE, the events of a
sequence in progress are only in its journal until the sequence ends; the output says how many the
copy does not hold.

Options:
  --db FILE                the database to back up
  --to DIR                 the folder for the copy (must exist)
  --compress gzip|none     gzip the copy (default none; pyDE1 databases shrink to about a fifth)
  -h, --help               show this help

Example (cron, every night at 03:15, gzipped, keeping 30 days):
  15 3 * * * pyde1-store backup --db /var/lib/pyde1/pyde1.sqlite3 --to /var/backups/pyde1 --compress gzip && find /var/backups/pyde1 -name 'pyde1.*.sqlite3*' -mtime +30 -delete`,
  options: { db: { type: "string" }, to: { type: "string" }, compress: { type: "string" } },
  async run(args) {
    const path = required(args, "db");
    const dir = required(args, "to");
    const compress = optional(args, "compress") ?? "none";
    if (compress !== "gzip" && compress !== "none") throw new UsageError(`--compress must be gzip or none, not '${compress}'`);
    if (existsSync(dir) && statSync(dir).isDirectory() && !folderWritable(dir)) {
      throw new Error(`${dir}: cannot write the backup there: the folder is read-only. Choose a folder you may write to.`);
    }
    const ps = await openForRead(path);
    const bar = progressBar("backup", process.stderr.isTTY === true && statSync(path).size > PROGRESS_OVER_BYTES);
    try {
      const SQL = await loadNodeSqlJs();
      const result = await backupStore(SQL, ps.store, dir, { compress, onProgress: bar.update }).catch((e) => {
        const err = e as NodeJS.ErrnoException;
        if (!err.code) throw e;
        const why = err.code === "EACCES" || err.code === "EPERM" || err.code === "EROFS" ? "permission denied" : err.message;
        throw new Error(`${dir}: cannot write the backup there: ${why}. Choose a folder you may write to.`);
      });
      bar.finish();
      console.log(
        `${result.path}\n  ${result.fileBytes} bytes written (database ${result.databaseBytes} bytes), ` +
          `${result.sequences} sequences, integrity_check ok`,
      );
      const unsaved = unsavedJournalRecords(ps.store, ps.persistence.name);
      if (unsaved > 0) {
        console.log(
          `  not in it: ${unsaved} events in ${journalPaths(ps.persistence.name).journal} that the recorder has not saved into the file yet ` +
            "(it saves them when the sequence in progress ends; a backup after that has them)",
        );
      }
    } finally {
      await closeRead(ps);
    }
    return 0;
  },
};
