/** `pyde1-store serve` and `pyde1-store start`: the shot viewer, optionally recording in the same process. */
import type { Command, Parsed } from "../command";
import { UsageError } from "../command";
import { FileSource, StoreSource, startServer, type DatabaseSource, type RunningServer } from "../../server";
import { resolveSettings, settingOptions, SETTINGS_HELP } from "../settings";
import { checkListen, isLoopback, listenError, networkUrls } from "../listen-address";
import { consoleLog, liveSettings, LIVE_OPTIONS, LIVE_OPTIONS_HELP, SAVE_HELP, startLiveRecording, untilSignal, type RunningRecording } from "../live-recording";

/** Checks a --port value. */
function portOf(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, not '${text}'`);
  return port;
}

/** Serves `source` until SIGINT/SIGTERM; with `recording`, also stops it (saving) at the end. */
async function serveUntilSignal(source: DatabaseSource, host: string, port: number, recording: RunningRecording | null, label: string): Promise<number> {
  let server: RunningServer;
  try {
    server = await startServer({ source, host, port, pollMs: recording ? 0 : undefined, status: recording ? () => recording.status() : undefined });
  } catch (e) {
    if (recording) await recording.stop(); // saved, and its lock released
    throw listenError(e, host, port);
  }
  console.log(`serving ${server.url} for ${label}`);
  const others = networkUrls(host, server.port);
  if (others.length > 0) console.log(`  from other computers: ${others.join(", ")}`);
  else if (isLoopback(host)) console.log("  only this computer can open it; --host 0.0.0.0 opens it to your network too");
  // open pages are told when a save (a completed shot) happened
  if (recording) recording.onSaved = (reason) => server.notifyChanged({ reason });
  await untilSignal();
  await server.close();
  if (recording) await recording.stop();
  return 0;
}

/** Records in this process with the command line's settings and serves what it holds (`serve --record`, `start`). */
async function serveRecording(args: Parsed): Promise<number> {
  const s = resolveSettings(args, ["host", "port"]);
  const port = portOf(s.port!);
  await checkListen(s.host!, port); // before the recorder creates or locks anything
  const recording = await startLiveRecording(liveSettings(args, consoleLog(args.values.verbose === true)));
  const name = recording.durable.ps.persistence.name;
  return serveUntilSignal(new StoreSource(name, () => recording.store), s.host!, port, recording, `${name} (recording)`);
}

const SERVE_ROUTES = `  GET /                                   the viewer
  GET /db                                 the database (a consistent snapshot, -wal applied)
  GET /db?since=SNAPSHOT                  only the 4 KB blocks changed since that snapshot (X-Pyde1-Snapshot)
  GET /db/hashes, /db/blocks?...          block hashes, and chosen blocks (a copy kept in a browser)
  GET /api/sequences                      every sequence, newest first (JSON)
  GET /api/sequences/ID                   one sequence and its profile row (JSON)
  GET /api/sequences/ID/shot?format=F     the shot as legacy | json | csv (&partial=1 if unfinished)
  GET /api/sequences/ID/series            its chart series (JSON), also while it is being recorded
  GET /api/status                         whether this process records, and how it goes (JSON)
  GET /api/events                         server-sent events: "changed" when the database changed`;

/** The `serve` command. */
export const serve: Command = {
  name: "serve",
  summary: "serve the shot viewer and a read-only JSON API (optionally recording too)",
  help: `Usage: pyde1-store serve [--db FILE] [--host 127.0.0.1] [--port 8080]
       pyde1-store serve [--db FILE] --record [--broker URL ...]

Serves the shot viewer for FILE in your browser. Without --record FILE is read, never written; a
live pyDE1 file's -wal is applied, and open pages refresh their list when the file has changed
(once it has been still for 3 s: after a shot pyDE1 records, not all through it), loading only
the blocks that changed.
With --record the same process records pyDE1's feed into FILE (as 'pyde1-store record' does) and
serves what it holds; open pages refresh when a shot completes.

${SERVE_ROUTES}

Options:
  --db FILE     the database to show (default ./data/pyde1.sqlite3, where 'start' records)
  --host HOST   address to listen on (default 127.0.0.1: this computer only; 0.0.0.0: your
                network too, and the URLs other computers use are printed)
  --port N      port (default 8080; 0 picks a free one)
  --record      also record, with these options (as 'pyde1-store record'):
${LIVE_OPTIONS_HELP}
  -h, --help    show this help

${SETTINGS_HELP}

${SAVE_HELP}

Example:
  pyde1-store serve --db /var/lib/pyde1/pyde1.sqlite3 --port 8080`,
  options: { ...LIVE_OPTIONS, ...settingOptions(["host", "port"]), record: { type: "boolean" } },
  async run(args) {
    if (args.values.record) return serveRecording(args);
    const recordingOnly = Object.keys(LIVE_OPTIONS).find((name) => name !== "db" && name !== "config" && args.values[name] !== undefined);
    if (recordingOnly) throw new UsageError(`--${recordingOnly} is an option of recording: add --record (or use 'pyde1-store start')`);
    const s = resolveSettings(args, ["db", "host", "port"]);
    const port = portOf(s.port!);
    const source = await FileSource.open(s.db!);
    return serveUntilSignal(source, s.host!, port, null, source.name);
  },
};

/** The `start` command: what `npm start` runs. */
export const start: Command = {
  name: "start",
  summary: "the main job: record pyDE1's feed and serve the viewer (npm start)",
  help: `Usage: pyde1-store start [--db FILE] [--broker URL] [--port N] [...]

Records pyDE1's MQTT feed into a database of our own and serves the shot viewer for it, in one
process (the same as 'serve --record'). Defaults: database ./data/pyde1.sqlite3 (created if
missing), broker mqtt://localhost:1883, topic root pyDE1, viewer at http://127.0.0.1:8080/.
A missing broker is retried with a status line; Ctrl-C saves and exits.

Options:
${LIVE_OPTIONS_HELP}
  --host HOST          address to listen on (default 127.0.0.1: this computer only; 0.0.0.0:
                       your network too, and the URLs other computers use are printed)
  --port N             port (default 8080; 0 picks a free one)
  -h, --help           show this help

${SETTINGS_HELP}

${SAVE_HELP}`,
  options: { ...LIVE_OPTIONS, ...settingOptions(["host", "port"]) },
  async run(args) {
    return serveRecording(args);
  },
};
