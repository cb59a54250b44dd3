/** `pyde1-store record`: record pyDE1's notifications into a database, live or from a capture. */
import { statSync } from "node:fs";
import type { Command } from "../command";
import { numberOption, optional, UsageError } from "../command";
import { openForWrite } from "../open-db";
import { resolveSettings, settingOptions, SETTINGS_HELP } from "../settings";
import { consoleLog, startLiveRecording, untilSignal } from "../live-recording";
import { recordEvents } from "../../ingest/run-capture";
import { captureFileEvents } from "../../ingest/capture-file";
import { StoreError } from "../../store/errors";

/** The `record` command. */
export const record: Command = {
  name: "record",
  summary: "record pyDE1's MQTT feed (or a capture file) into a database",
  help: `Usage: pyde1-store record --db FILE --broker URL [options]
       pyde1-store record --db FILE --from-capture CAPTURE [--rate N]

Writes the database pyDE1's own recorder writes (same tables, rows and stored values) from pyDE1's
MQTT notifications. FILE is created if missing, and upgraded to schema v3 (after a backup) if older.
It must be a file of our own: a FILE with a -wal/-shm beside it (pyDE1's live file) is refused.

Live (--broker): every accepted notification is appended to FILE.journal and fsynced within
--fsync-ms; FILE itself is replaced atomically when a sequence has completed, every
--idle-save seconds when there are changes, and on SIGINT/SIGTERM (then it exits 0). After a crash
the next start replays the journal, so at most the last fsync window is lost. A missing broker is
retried with backoff; each change of the connection's state is logged once. When a save fails
(disk full, read-only folder, FILE changed by someone else) the error is logged, FILE is left as it
is, and the data stays in memory and in the journal until a later save works; when the journal
cannot be written either (disk full), its events wait in memory and are retried, and would be lost
only if the process died before space came back.

Capture (--from-capture): the same recorder fed from a capture file (NDJSON lines
{"topic": T, "payload": "<JSON>"} / {"resource": PATH, "body": "<JSON>"}, or 'mosquitto_sub -v'
text), with the notifications' own times as the clock. Ends at the end of the file, saves, exits 0.
With --rate the file is also saved as each sequence ends, as a live recording would be.

Options:
  --db FILE            the database (default ./data/pyde1.sqlite3)
  --broker URL         MQTT broker, e.g. mqtt://localhost:1883 (default), mqtts://host:8883
  --topic-root R       pyDE1's topic root (default pyDE1)
  --username U         broker user name
  --password P         broker password (better: PYDE1_STORE_PASSWORD or the config file)
  --ca FILE            CA certificate(s) (PEM) for mqtts://
  --pyde1-http URL     pyDE1's HTTP API (e.g. http://localhost:1234): at each sequence start the
                       DE1's profile id and the resource_* columns are asked from it
  --capture-out FILE   append every event the recorder is fed to FILE (a capture: replayable
                       with --from-capture into the identical database)
  --from-capture FILE  record from a capture file instead of a broker
  --rate N             with --from-capture: pace the feed at N events/s (default: as fast as possible)
  --fsync-ms N         journal fsync window in ms (default 100)
  --idle-save S        save interval in seconds when there are changes (default 60)
  --watchdog S         close a sequence that never completes after S seconds (default 270)
  --warn-mb N          warn once when FILE passes N MB (default 200): every save rewrites the
                       whole file, so move old shots out with 'pyde1-store archive'
  --config FILE        JSON config file (default /usr/local/etc/pyde1/pyde1-store.conf)
  --verbose            also log debug lines
  -h, --help           show this help

${SETTINGS_HELP}`,
  options: {
    ...settingOptions(["db", "broker", "topicRoot", "username", "password", "ca", "pyde1Http"]),
    "capture-out": { type: "string" },
    "from-capture": { type: "string" },
    rate: { type: "string" },
    "fsync-ms": { type: "string" },
    "idle-save": { type: "string" },
    watchdog: { type: "string" },
    "warn-mb": { type: "string" },
    verbose: { type: "boolean" },
  },
  async run(args) {
    const s = resolveSettings(args, ["db", "broker", "topicRoot", "username", "password", "ca", "pyde1Http"]);
    const db = s.db!;
    const log = consoleLog(args.values.verbose === true);
    const watchdogSeconds = numberOption(args, "watchdog", 270);
    const capture = optional(args, "from-capture");
    if (capture) {
      if (args.values.broker !== undefined) throw new UsageError("give either --broker or --from-capture, not both");
      try {
        statSync(capture);
      } catch (e) {
        throw new StoreError(capture, `${capture}: cannot read the capture (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
      }
      const rate = numberOption(args, "rate", 0);
      const ps = await openForWrite(db);
      try {
        if (ps.backupPath) log("info", `record: upgraded ${db} to schema v3; the original is at ${ps.backupPath}`);
        const result = await recordEvents(ps.store, captureFileEvents(capture), {
          topicRoot: s.topicRoot,
          rate: rate || undefined,
          watchdogSeconds,
          log,
          // paced like a live feed: saved as each sequence ends; as fast as possible: once, at the end
          onSequenceEnd: rate ? () => void ps.save() : undefined,
        });
        const st = result.stats;
        const rejected = Object.values(st.rejected).reduce((a, b) => a + (b ?? 0), 0);
        log("info", `record: ${result.events} events, ${st.accepted} notifications accepted, ${rejected} rejected, ${st.sequences} sequences, ${st.rows} rows`);
      } finally {
        await ps.close();
      }
      return 0;
    }
    const recording = await startLiveRecording({
      db,
      broker: s.broker!,
      topicRoot: s.topicRoot!,
      username: s.username,
      password: s.password,
      ca: s.ca,
      pyde1Http: s.pyde1Http,
      captureOut: optional(args, "capture-out"),
      fsyncMs: numberOption(args, "fsync-ms", 100),
      idleSaveSeconds: numberOption(args, "idle-save", 60),
      watchdogSeconds,
      warnBytes: numberOption(args, "warn-mb", 200) * 1024 * 1024,
      log,
    });
    const signal = await untilSignal();
    log("info", `record: ${signal}: saving and stopping`);
    await recording.stop();
    return 0;
  },
};
