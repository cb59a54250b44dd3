/**
 * The main job's wiring: a crash-safe database file ({@link DurableStore}: journal + atomic saves)
 * recorded from pyDE1's MQTT feed ({@link recordLive}), saved at quiet moments. Shared by
 * `record --broker`, `serve --record` and `start`.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadNodeSqlJs } from "../store/persist/sqljs-node";
import { warmUp } from "../store/warm-up";
import { DurableStore } from "../ingest/durable-store";
import { recordLive, type LiveRecording } from "../ingest/run-live";
import type { SequenceInfo, CloseReason } from "../recorder/recorder";
import type { Log } from "../recorder/log";
import { total } from "../recorder/stats";
import { publicBrokerUrl, type RecorderStatus } from "../server";
import type { Store } from "../store/store";
import { numberOption, optional, UsageError, type OptionSpec, type Parsed } from "./command";
import { startDailyBackup } from "./daily-backup";
import { folderWritable } from "./output-file";
import { BROKER_SCHEMES, checkUrl, HTTP_SCHEMES } from "./url-setting";
import { resolveSettings, settingOptions } from "./settings";

/** The settings a live recording reads (flags, environment, config file, defaults). */
const LIVE_SETTINGS = ["db", "broker", "topicRoot", "username", "password", "ca", "pyde1Http"] as const;

/** The command-line options of a live recording, shared by `record`, `serve --record` and `start`. */
export const LIVE_OPTIONS: OptionSpec = {
  ...settingOptions([...LIVE_SETTINGS]),
  "capture-out": { type: "string" },
  "fsync-ms": { type: "string" },
  "idle-save": { type: "string" },
  "compact-mb": { type: "string" },
  watchdog: { type: "string" },
  "warn-mb": { type: "string" },
  "backup-to": { type: "string" },
  "backup-keep": { type: "string" },
  verbose: { type: "boolean" },
};

/** How a recording's saves are written, for the help of the commands that record. */
export const SAVE_HELP = `Saves write the new file around the page cache (O_DIRECT) where the file system allows it, so a
large save does not fill memory with a second copy; PYDE1_STORE_DIRECT_IO=0 writes through the page
cache instead.`;

/** The `--help` lines of {@link LIVE_OPTIONS}. */
export const LIVE_OPTIONS_HELP = `  --db FILE            the database (default ./data/pyde1.sqlite3)
  --broker URL         MQTT broker, e.g. mqtt://localhost:1883 (default), mqtts://host:8883
  --topic-root R       pyDE1's topic root (default pyDE1)
  --username U         broker user name
  --password P         broker password (better: PYDE1_STORE_PASSWORD or the config file)
  --ca FILE            CA certificate(s) (PEM) for mqtts://
  --pyde1-http URL     pyDE1's HTTP API (e.g. http://localhost:1234): at each sequence start the
                       DE1's profile id and the resource_* columns are asked from it
  --capture-out FILE   append every event the recorder is fed to FILE (a capture: replayable
                       with --from-capture into the identical database)
  --fsync-ms N         journal fsync window in ms (default 100): a message is fsynced at once,
                       unless the last timed fsync began less than N/4 ms ago (then N/4 ms
                       after it) or has not answered yet (then when it answers: on a slow
                       SD card a message waits for at most that fsync and its own)
  --idle-save S        save interval in seconds when there are changes (default 60); with none,
                       a journal past --compact-mb is compacted
  --compact-mb N       compact the journal, while nothing is recorded, once past N MB (default 8)
  --watchdog S         close a sequence that never completes after S seconds (default 270)
  --warn-mb N          warn once when FILE passes N MB (default 200): every save rewrites the
                       whole file, so move old shots out with 'pyde1-store archive'
  --backup-to DIR      once a day, while no sequence is recorded, save and write a gzipped backup
                       into DIR (made when missing) with 'pyde1-store backup', in a process of its
                       own; one is made soon after the start when DIR holds none from the last day
  --backup-keep DAYS   with --backup-to: remove backups older than DAYS days after each new one
                       (default 30; 0 keeps them all; the newest is always kept)
  --config FILE        JSON config file (default /usr/local/etc/pyde1/pyde1-store.conf)
  --verbose            also log debug lines`;

/** The live-recording settings a command line asks for. */
export function liveSettings(args: Parsed, log: Log): LiveSettings {
  const s = resolveSettings(args, [...LIVE_SETTINGS]);
  checkUrl(s.broker!, "the broker (--broker, PYDE1_STORE_BROKER or \"broker\" in the config file)", BROKER_SCHEMES, "mqtt://localhost:1883");
  if (s.pyde1Http !== undefined) {
    checkUrl(s.pyde1Http, "pyDE1's HTTP API (--pyde1-http, PYDE1_STORE_PYDE1_HTTP or \"pyde1-http\" in the config file)", HTTP_SCHEMES, "http://localhost:1234");
  }
  return {
    db: s.db!,
    broker: s.broker!,
    topicRoot: s.topicRoot!,
    username: s.username,
    password: s.password,
    ca: s.ca,
    pyde1Http: s.pyde1Http,
    captureOut: optional(args, "capture-out"),
    fsyncMs: numberOption(args, "fsync-ms", 100),
    idleSaveSeconds: numberOption(args, "idle-save", 60),
    compactBytes: numberOption(args, "compact-mb", 8) * 1024 * 1024,
    watchdogSeconds: numberOption(args, "watchdog", 270),
    warnBytes: numberOption(args, "warn-mb", 200) * 1024 * 1024,
    backupTo: optional(args, "backup-to"),
    backupKeepDays: keepDaysOption(args),
    log,
  };
}

/** `--backup-keep`: whole days, 0 allowed (keep all). */
function keepDaysOption(args: Parsed): number {
  const text = optional(args, "backup-keep");
  if (text === undefined) return 30;
  const days = Number(text);
  if (!Number.isInteger(days) || days < 0) throw new UsageError(`--backup-keep must be a whole number of days (0 keeps every backup), not '${text}'`);
  if (optional(args, "backup-to") === undefined) throw new UsageError("--backup-keep goes with --backup-to DIR");
  return days;
}

/** What the main job needs to know. */
export interface LiveSettings {
  db: string;
  broker: string;
  topicRoot: string;
  username?: string;
  password?: string;
  ca?: string;
  pyde1Http?: string;
  captureOut?: string;
  /** journal fsync window, ms (default 100) */
  fsyncMs?: number;
  /** save this long after a sequence ended, ms (default 1000) */
  settleMs?: number;
  /** save at this interval when there are changes and no sequence is open, seconds (default 60) */
  idleSaveSeconds?: number;
  /** compact the journal at an idle tick with nothing to save once past this size, bytes (default 8 MB) */
  compactBytes?: number;
  /** the watchdog closing a sequence that never completes, seconds (default 270) */
  watchdogSeconds?: number;
  /** warn once when the file passes this size, bytes (default 200 MB) */
  warnBytes?: number;
  /** a folder for a daily gzipped backup (none without it) */
  backupTo?: string;
  /** remove backups older than this many days (default 30; 0 keeps all) */
  backupKeepDays?: number;
  log: Log;
}

/** A running recording. */
export interface RunningRecording {
  /** the database being recorded (for a server in the same process) */
  readonly store: Store;
  /** the durable file */
  readonly durable: DurableStore;
  /** the feed and the recorder */
  readonly live: LiveRecording;
  /** called after each save (e.g. to tell open viewer pages) */
  onSaved: ((reason: string) => void) | null;
  /** how the recording goes now, for the viewer's status line (`GET /api/status`) */
  status(): RecorderStatus;
  /** stops the feed, closes an open sequence, saves, releases the file */
  stop(): Promise<void>;
}

/** Opens the database (recovering from its journal), connects to the broker and records. */
export async function startLiveRecording(s: LiveSettings): Promise<RunningRecording> {
  // a recorder runs for days: sql.js compiled by the optimizing compiler, ~0.3 s more at start-up
  const SQL = await loadNodeSqlJs("optimized");
  mkdirSync(dirname(resolve(s.db)), { recursive: true });
  if (s.backupTo !== undefined) checkBackupFolder(s.backupTo);
  const durable = await DurableStore.open(SQL, s.db, { fsyncMs: s.fsyncMs, warnBytes: s.warnBytes, compactBytes: s.compactBytes, log: s.log });
  // the insert paths compiled now (~0.1 s), not at the first commit, where they held back a journal fsync
  const warming = performance.now();
  warmUp(SQL);
  s.log("debug", `record: sql.js's write paths compiled in ${Math.round(performance.now() - warming)} ms (warm-up)`);
  if (durable.ps.backupPath) s.log("info", `record: upgraded ${s.db} to schema v3; the original is at ${durable.ps.backupPath}`);
  let settle: ReturnType<typeof setTimeout> | null = null;
  // in the background: receipt and the journal go on while the file is written
  const save = (reason: string) => void durable.saveInBackground(reason);
  const live = recordLive(durable.ps.store, {
    broker: s.broker,
    topicRoot: s.topicRoot,
    username: s.username,
    password: s.password,
    ca: s.ca,
    pyde1Http: s.pyde1Http,
    captureOut: s.captureOut,
    watchdogSeconds: s.watchdogSeconds,
    log: s.log,
    onAccepted: (e) => durable.accepted(e),
    onSequenceEnd: (seq: SequenceInfo, reason: CloseReason) => {
      s.log("info", `record: sequence ${seq.id} (${seq.activeState}) ${reason === "complete" ? "complete" : `closed: ${reason}`}`);
      if (settle) clearTimeout(settle);
      settle = setTimeout(() => {
        settle = null;
        save(`sequence ${reason}`);
      }, s.settleMs ?? 1000);
    },
  });
  // Before any message can arrive (they come through the event loop): rebuild the recorder's
  // state and replay what the file is missing.
  const recovery = await durable.attach(live.recorder);
  if (recovery.replayed > 0 || recovery.cutBytes > 0) {
    s.log("info", `record: recovered ${recovery.replayed} events from the journal (${recovery.primed} used to rebuild the pre-roll)`);
  }
  const idle = setInterval(() => save("interval"), (s.idleSaveSeconds ?? 60) * 1000);
  idle.unref();
  const backups =
    s.backupTo === undefined
      ? null
      : startDailyBackup({
          dir: s.backupTo,
          keepDays: s.backupKeepDays ?? 30,
          db: durable.ps.persistence.name,
          log: s.log,
          busy: () => live.recorder.openSequence !== null,
          save: async () => {
            await durable.saveInBackground("backup");
            await durable.settled();
          },
        });
  s.log("info", `record: recording ${s.broker} (topic root ${s.topicRoot}) into ${durable.ps.persistence.name}`);
  let stopping: Promise<void> | null = null;
  const startedAt = Date.now();
  let lastSavedAt: number | null = null;
  const broker = publicBrokerUrl(s.broker);
  const running: RunningRecording = {
    store: durable.ps.store,
    durable,
    live,
    onSaved: null,
    status: () => {
      const stats = live.stats;
      const open = live.recorder.openSequence;
      return {
        recording: true,
        now: Date.now(),
        broker,
        feed: live.feedState,
        startedAt,
        lastMessageAt: live.lastMessageAt,
        accepted: stats.accepted,
        rejected: total(stats.rejected),
        sequences: stats.sequences,
        openSequence: open ? { id: open.id, activeState: open.activeState } : null,
        lastSavedAt,
      };
    },
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(idle);
        if (settle) clearTimeout(settle);
        await backups?.stop();
        await live.stop();
        await durable.close();
        s.log("info", `record: saved and closed ${durable.ps.persistence.name}`);
      })()),
  };
  durable.onSaved = (reason) => {
    lastSavedAt = Date.now();
    running.onSaved?.(reason);
  };
  return running;
}

/** Makes the folder of `--backup-to` when missing; refuses one that is a file or read-only, before recording starts. */
function checkBackupFolder(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--backup-to ${dir}: is a file; name a folder for the backups`);
  mkdirSync(dir, { recursive: true });
  if (!folderWritable(dir)) throw new UsageError(`--backup-to ${dir}: the folder is read-only; choose one you may write to`);
}

/** A Log writing `time level message` lines to stderr; debug lines only when `verbose`. */
export function consoleLog(verbose = false): Log {
  return (level, message) => {
    if (level === "debug" && !verbose) return;
    const stamp = new Date().toISOString().replace("T", " ").slice(0, 19);
    process.stderr.write(`${stamp} ${level.padEnd(5)} ${message}\n`);
  };
}

/** Resolves when SIGINT or SIGTERM arrives. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (sig: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(sig);
    };
    const onInt = () => done("SIGINT");
    const onTerm = () => done("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
}
