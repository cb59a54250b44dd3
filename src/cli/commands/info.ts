/** `pyde1-store info`: schema version, size and rows per table of a database. */
import { statSync } from "node:fs";
import type { Command } from "../command";
import { required } from "../command";
import { closeRead, openForRead } from "../open-db";
import { inspectSchema } from "../../store/schema";

/** The `info` command. */
export const info: Command = {
  name: "info",
  summary: "show a database's schema version, size and rows per table",
  help: `Usage: pyde1-store info --db FILE [--json]

Reads FILE (a live pyDE1 file's -wal is applied, nothing is written) and prints its user_version,
the schema version its tables are (pyDE1 2.0 writes user_version 2 into files with the v3 tables),
its size in bytes and the number of rows in each table.

Options:
  --db FILE   the database to read
  --json      print {"user_version": N, "schema_version": N, "bytes": N,
              "tables": {"<table>": rows, ...}}
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
      };
      if (args.values.json) {
        console.log(JSON.stringify(report));
      } else {
        const note = report.schema_version === report.user_version ? "" : ` (schema v${report.schema_version}: pyDE1 2.0 writes 2 into its v3 files)`;
        console.log(`${path}\n  user_version ${report.user_version}${note}\n  bytes        ${report.bytes}`);
        const width = Math.max(...Object.keys(report.tables).map((t) => t.length));
        for (const [t, n] of Object.entries(report.tables)) console.log(`  ${t.padEnd(width)}  ${n}`);
      }
    } finally {
      await closeRead(ps);
    }
    return 0;
  },
};
