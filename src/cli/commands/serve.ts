/** `pyde1-store serve`: the shot viewer and a read-only JSON API over one database file. */
import type { Command } from "../command";
import { optional, required, UsageError } from "../command";
import { FileSource, startServer } from "../../server";

/** The `serve` command. */
export const serve: Command = {
  name: "serve",
  summary: "serve the shot viewer and a read-only JSON API for a database",
  help: `Usage: pyde1-store serve --db FILE [--host 127.0.0.1] [--port 8080]

Serves the shot viewer for FILE in your browser. FILE is read, never written; a live pyDE1 file's
-wal is applied, and open pages refresh their list when the file changes.

  GET /                                   the viewer
  GET /db                                 the database (a consistent snapshot, -wal applied)
  GET /api/sequences                      every sequence, newest first (JSON)
  GET /api/sequences/ID                   one sequence and its profile row (JSON)
  GET /api/sequences/ID/shot?format=F     the shot as legacy | json | csv (&partial=1 if unfinished)
  GET /api/events                         server-sent events: "changed" when the database changed

Options:
  --db FILE     the database to show
  --host HOST   address to listen on (default 127.0.0.1: this computer only)
  --port N      port (default 8080; 0 picks a free one)
  -h, --help    show this help

Example:
  pyde1-store serve --db /var/lib/pyde1/pyde1.sqlite3 --port 8080`,
  options: { db: { type: "string" }, host: { type: "string" }, port: { type: "string" } },
  async run(args) {
    const path = required(args, "db");
    const host = optional(args, "host") ?? "127.0.0.1";
    const portText = optional(args, "port") ?? "8080";
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, not '${portText}'`);
    const source = await FileSource.open(path);
    const server = await startServer({ source, host, port });
    console.log(`serving ${server.url} for ${source.name}`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        void server.close().then(done);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    return 0;
  },
};
