/**
 * `record --broker URL …`: the main job. The recorder fed by the MQTT feed (receive time =
 * `Date.now()/1000`), optionally asking pyDE1's HTTP API for the profile and resources at each new
 * sequence, optionally writing everything it is fed to a capture file. Commits on a short cadence;
 * tells the caller when a sequence ended and when the feed went quiet (the moments to save).
 */
import type { Store } from "../store/store";
import type { RecorderEvent } from "../recorder/events";
import { silent, type Log } from "../recorder/log";
import { Recorder, type CloseReason, type SequenceInfo } from "../recorder/recorder";
import type { RecorderStats } from "../recorder/stats";
import { CaptureFile } from "./capture-file";
import { connectFeed, type Feed, type FeedState } from "./mqtt";
import { fetchSequenceResources } from "./pyde1-http";

/** Settings and hooks of {@link recordLive}. */
export interface RecordLiveOptions {
  /** broker URL, e.g. `mqtt://localhost:1883` */
  broker: string;
  /** topic root (default `pyDE1`) */
  topicRoot?: string;
  username?: string;
  password?: string;
  /** a PEM file with the CA certificate(s) for `mqtts://` */
  ca?: string;
  /** pyDE1's HTTP API base URL (e.g. `http://localhost:1234`); without it, no GETs */
  pyde1Http?: string;
  /** timeout of each GET in ms (default 2000) */
  httpTimeoutMs?: number;
  /** append every event fed to the recorder to this NDJSON capture file */
  captureOut?: string;
  log?: Log;
  /** the recorder's watchdog in seconds (default 270) */
  watchdogSeconds?: number;
  /** commit queued writes this often, in ms (default 100) */
  commitMs?: number;
  /** the feed is quiet after this long without messages, in ms (default 1000) */
  quietMs?: number;
  /** first and longest retry delay after the broker went away, in ms (default 1000 and 30000) */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** a sequence stopped recording; its rows are committed (save now, or once the feed is quiet) */
  onSequenceEnd?: (sequence: SequenceInfo, reason: CloseReason) => void;
  /** the feed went quiet after new rows; everything is committed (a moment to save) */
  onIdle?: () => void;
  /** every event the recorder used, in order (what a journal appends) */
  onAccepted?: (event: RecorderEvent) => void;
  /** each change of the broker connection's state */
  onFeedState?: (state: FeedState) => void;
  /** aborting stops recording, as {@link LiveRecording.stop} does */
  signal?: AbortSignal;
}

/** A running live recording. */
export interface LiveRecording {
  /** the recorder (its stats, its open sequence) */
  readonly recorder: Recorder;
  /** the recorder's counters */
  readonly stats: RecorderStats;
  /** the broker connection's state */
  readonly feedState: FeedState;
  /** when the last message from the broker arrived, epoch ms; null before the first */
  readonly lastMessageAt: number | null;
  /** commits queued writes now (call before exporting the store); returns the writes committed */
  flush(): number;
  /** disconnects, closes an open sequence, commits, closes the capture file. Idempotent. */
  stop(): Promise<void>;
}

/** Starts recording from the broker into `store`. Returns at once; the feed connects and retries on its own. */
export function recordLive(store: Store, options: RecordLiveOptions): LiveRecording {
  const log = options.log ?? silent;
  const capture = options.captureOut ? new CaptureFile(options.captureOut) : null;
  const requests = new AbortController();
  const now = () => Date.now() / 1000;
  let lastMessage = performance.now();
  let lastMessageAt: number | null = null;
  let quiet = true;
  let stopped: Promise<void> | null = null;
  /** true while a message from the broker is being handled: only live sequences get GETs, not replayed ones */
  let fromFeed = false;
  /** set when the broker's first notification is accepted (said once: the feed is pyDE1's, the root right) */
  let receiving = false;

  const feedRecorder = (event: RecorderEvent) => {
    capture?.append(event);
    recorder.handle(event);
  };

  const recorder: Recorder = new Recorder(store, {
    topicRoot: options.topicRoot,
    watchdogSeconds: options.watchdogSeconds,
    log,
    onAccepted: options.onAccepted,
    onSequenceEnd: options.onSequenceEnd,
    onSequenceStart: (seq) => {
      const base = options.pyde1Http;
      if (!base || !fromFeed) return;
      void fetchSequenceResources(
        base,
        seq.activeState,
        (path, body) => {
          if (!stopped) feedRecorder({ kind: "resource", path, body, time: now(), sequenceId: seq.id });
        },
        { timeoutMs: options.httpTimeoutMs, signal: requests.signal },
      );
    },
  });

  const feed: Feed = connectFeed({
    url: options.broker,
    topicRoot: options.topicRoot,
    username: options.username,
    password: options.password,
    ca: options.ca,
    minRetryMs: options.minRetryMs,
    maxRetryMs: options.maxRetryMs,
    log,
    onState: options.onFeedState,
    onMessage: (topic, payload) => {
      lastMessage = performance.now();
      lastMessageAt = Date.now();
      quiet = false;
      fromFeed = true;
      const accepted = recorder.stats.accepted;
      try {
        feedRecorder({ kind: "message", topic, payload, time: now() });
      } finally {
        fromFeed = false;
      }
      if (!receiving && recorder.stats.accepted > accepted) {
        receiving = true;
        log("info", `record: receiving pyDE1's notifications (the first: ${topic})`);
      }
    },
  });

  const quietMs = options.quietMs ?? 1000;
  const cadence = setInterval(() => {
    recorder.tick(now());
    recorder.flush();
    if (!quiet && performance.now() - lastMessage >= quietMs) {
      quiet = true;
      try {
        options.onIdle?.();
      } catch (e) {
        log("error", `record: the idle hook failed: ${(e as Error).message}`);
      }
    }
  }, options.commitMs ?? 100);

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      clearInterval(cadence);
      requests.abort();
      await feed.close();
      recorder.close("shutdown");
      await capture?.close();
    })();
    return stopped;
  };
  if (options.signal) {
    if (options.signal.aborted) void stop();
    else options.signal.addEventListener("abort", () => void stop(), { once: true });
  }

  return {
    recorder,
    get stats() {
      return recorder.stats;
    },
    get feedState() {
      return feed.state;
    },
    get lastMessageAt() {
      return lastMessageAt;
    },
    flush: () => recorder.flush(),
    stop,
  };
}
