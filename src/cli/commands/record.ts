/** `pyde1-store record`: record pyDE1's notifications into a database, live or from a capture. */
import { statSync } from "node:fs";
import type { Command } from "../command";
import { numberOption, optional, UsageError } from "../command";
import { openForWrite } from "../open-db";
import { SETTINGS_HELP } from "../settings";
import { consoleLog, liveSettings, LIVE_OPTIONS, LIVE_OPTIONS_HELP, SAVE_HELP, startLiveRecording, untilSignal } from "../live-recording";
import { recordEvents } from "../../ingest/run-capture";
import { captureFileEvents } from "../../ingest/capture-file";
import { StoreError } from "../../store/errors";
import { journalPaths, unsavedJournalRecords } from "../../ingest/durable-store";

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
--fsync-ms; FILE itself is replaced atomically when a sequence has completed, every --idle-save
seconds when there are changes, and on SIGINT/SIGTERM (then it exits 0); at an idle tick with no
changes, a journal past --compact-mb is compacted to what the recorder needs (its pre-roll), FILE
left alone. After a crash the next start replays the journal, so at most the last fsync window is
lost. A missing broker is retried with backoff; each change of the connection's state is logged
once. When a save fails (disk full, read-only folder, FILE changed by someone else) the error is
logged, FILE is left as it is, and the data stays in memory and in the journal until a later save
works; when the journal cannot be written either (disk full), its events wait in memory and are
retried, and would be lost only if the process died before space came back.

Capture (--from-capture): the same recorder fed from a capture file (NDJSON lines
{"topic": T, "payload": "<JSON>"} / {"resource": PATH, "body": "<JSON>"}, or 'mosquitto_sub -v'
text), with the notifications' own times as the clock. Ends at the end of the file, saves, exits 0.
With --rate the file is also saved as each sequence ends, as a live recording would be.

Options:
${LIVE_OPTIONS_HELP}
  --from-capture FILE  record from a capture file instead of a broker
  --rate N             with --from-capture: pace the feed at N events/s (default: as fast as possible)
  -h, --help           show this help

${SETTINGS_HELP}

${SAVE_HELP}`,
  options: { ...LIVE_OPTIONS, "from-capture": { type: "string" }, rate: { type: "string" } },
  async run(args) {
    const log = consoleLog(args.values.verbose === true);
    const settings = liveSettings(args, log);
    const db = settings.db;
    const capture = optional(args, "from-capture");
    if (capture) {
      if (args.values.broker !== undefined) throw new UsageError("give either --broker or --from-capture, not both");
      if (settings.backupTo !== undefined) throw new UsageError("--backup-to goes with a live recording (--broker), not --from-capture; use 'pyde1-store backup' afterwards");
      let isFolder: boolean;
      try {
        isFolder = statSync(capture).isDirectory();
      } catch (e) {
        throw new StoreError(capture, `${capture}: cannot read the capture (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
      }
      if (isFolder) throw new StoreError(capture, `${capture}: is a folder, not a capture file. Give the file's path.`);
      const rate = numberOption(args, "rate", 0);
      const ps = await openForWrite(db);
      try {
        if (ps.backupPath) log("info", `record: upgraded ${db} to schema v3; the original is at ${ps.backupPath}`);
        const unsaved = unsavedJournalRecords(ps.store, ps.persistence.name);
        if (unsaved > 0) {
          log("warn", `record: ${journalPaths(ps.persistence.name).journal} holds ${unsaved} events a live recorder received but did not save (it stopped without saving); ` +
            "a capture does not replay them: they go into the file at the next live start (record --broker, serve --record or start)");
        }
        const result = await recordEvents(ps.store, captureFileEvents(capture), {
          topicRoot: settings.topicRoot,
          rate: rate || undefined,
          watchdogSeconds: settings.watchdogSeconds,
          log,
          // paced like a live feed: saved as each sequence ends; as fast as possible: once, at the end
          onSequenceEnd: rate ? () => void ps.save() : undefined,
        });
        const st = result.stats;
        const rejected = Object.values(st.rejected).reduce((a, b) => a + (b ?? 0), 0);
        log("info", `record: ${result.events} events, ${st.accepted} notifications accepted, ${rejected} rejected, ${st.sequences} sequences, ${st.rows} rows`);
        if (result.events > 0 && st.accepted === 0 && rejected === 0) {
          log("warn", `record: none of the capture's ${result.events} events is a pyDE1 notification under ${settings.topicRoot}/: is it a capture of pyDE1's feed, and is its topic root ${settings.topicRoot} (--topic-root)?`);
        }
      } finally {
        await ps.close();
      }
      return 0;
    }
    const recording = await startLiveRecording(settings);
    const signal = await untilSignal();
    log("info", `record: ${signal}: saving and stopping`);
    await recording.stop();
    return 0;
  },
};
