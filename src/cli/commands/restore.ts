/** `pyde1-store restore`: put a backup back in place of a database file, keeping the file it replaces. */
import type { Command } from "../command";
import { required } from "../command";
import { loadNodeSqlJs } from "../../store/persist/sqljs-node";
import { restoreDatabase } from "../../ingest/restore";
import { localDateTime } from "../local-date-time";

/** The `restore` command. */
export const restore: Command = {
  name: "restore",
  summary: "put a backup back in place of a database file (the file it replaces is kept)",
  help: `Usage: pyde1-store restore --from BACKUP --db FILE

Puts BACKUP back in place of FILE. BACKUP is a file 'pyde1-store backup' wrote
(pyde1.<YYYY-MM-DD_HHMM>.sqlite3 or .sqlite3.gz) or any copy of a pyDE1 database (a -wal beside
it is applied). It is checked first (SQLite, PRAGMA integrity_check, pyDE1's tables); a backup
that fails is refused and nothing is changed.

Nothing may be writing FILE: stop the recorder, and pyDE1 if FILE is pyDE1's own database.
restore refuses while the recorder's lock or pyDE1's -wal/-shm shows a writer.

The file it replaces is not lost: it is copied to FILE.<YYYY-MM-DD_HHMMSS>.backup, and its
journal (what the recorder received but had not saved into it yet) is moved beside that copy as
FILE.<YYYY-MM-DD_HHMMSS>.backup.journal, so the two stay a pair ('record --db' that copy would
replay the journal into it). Then FILE is replaced the way every save replaces it: a temp file,
fsync, rename, keeping its mode and owner. A FILE that does not exist is created. The backup is
checked in memory: restore needs about twice the database's size (a 500 MB database: ~1.1 GB).

Options:
  --from BACKUP   the backup to put back
  --db FILE       the database file to replace
  -h, --help      show this help

Example (the service of README's "Running it as a service"):
  sudo systemctl stop pyde1-store
  pyde1-store restore --from /var/backups/pyde1/pyde1.2026-11-28_0315.sqlite3.gz --db /var/lib/pyde1-store/pyde1.sqlite3
  sudo systemctl start pyde1-store`,
  options: { from: { type: "string" }, db: { type: "string" } },
  async run(args) {
    const from = required(args, "from");
    const path = required(args, "db");
    const SQL = await loadNodeSqlJs();
    const r = await restoreDatabase(SQL, from, path);
    const newest = r.newestStart === null ? "" : `, the newest started ${localDateTime(r.newestStart)}`;
    console.log(`restored ${r.path} from ${from}: ${r.sequences} sequence${r.sequences === 1 ? "" : "s"}${newest}, schema v${r.schemaVersion}, integrity_check ok`);
    if (r.keptAs) console.log(`the file it replaced is kept as ${r.keptAs}`);
    for (const j of r.journalsKept) console.log(`its journal is kept as ${j}`);
    return 0;
  },
};
