/** `pyde1-store migrate`: back up and upgrade a database to schema v3. */
import type { Command } from "../command";
import { required } from "../command";
import { openForWrite } from "../open-db";

/** The `migrate` command. */
export const migrate: Command = {
  name: "migrate",
  summary: "back up a pyDE1 database and upgrade it to schema v3",
  help: `Usage: pyde1-store migrate --db FILE

Upgrades FILE from pyDE1 schema 1 or 2 (or pyDE1's v3 file that says 2) to schema 3. Before any
change the original is copied to FILE.<YYYY-MM-DD_HHMMSS>.backup (never overwriting a file).
Prints "from → to". A file that is already v3 is left untouched.

Refuses (and leaves the file byte for byte as it was) a file that is not SQLite, has no pyDE1
tables, says a newer version than 3, or has a -wal/-shm beside it (pyDE1 or another SQLite writer
may own it: stop that writer and checkpoint first).

Options:
  --db FILE   the database to upgrade
  -h, --help  show this help`,
  options: { db: { type: "string" } },
  async run(args) {
    const path = required(args, "db");
    const ps = await openForWrite(path, { create: false });
    const { fromVersion, toVersion, changed } = ps.store.opened;
    await ps.close();
    if (changed) {
      console.log(`${fromVersion} → ${toVersion}`);
      if (ps.backupPath) console.log(`backup: ${ps.backupPath}`);
    } else {
      console.log(`${fromVersion} → ${toVersion} (already current, nothing changed)`);
    }
    return 0;
  },
};
