/**
 * `record --from-capture FILE [--rate N]`: the recorder fed from a capture, with the
 * notifications' own times as the clock, optionally paced to simulate a live feed.
 */
import type { Store } from "../store/store";
import type { RecorderEvent } from "../recorder/events";
import { silent, type Log } from "../recorder/log";
import { Recorder, type CloseReason, type SequenceInfo } from "../recorder/recorder";
import type { RecorderStats } from "../recorder/stats";
import { readCapture } from "./capture";

/** Settings and hooks of {@link recordCapture}. */
export interface RecordCaptureOptions {
  /** topic root (default `pyDE1`) */
  topicRoot?: string;
  /** pace the feed at this many events a second (default: as fast as possible) */
  rate?: number;
  /** the recorder's watchdog in seconds of the capture's clock (default 270) */
  watchdogSeconds?: number;
  log?: Log;
  /** every event read from the capture, before the recorder sees it */
  onEvent?: (event: RecorderEvent) => void;
  /** every event the recorder used (what a journal appends) */
  onAccepted?: (event: RecorderEvent) => void;
  /** a sequence stopped recording; its rows are committed (a good moment to save) */
  onSequenceEnd?: (sequence: SequenceInfo, reason: CloseReason) => void;
  /** stops early (the events so far are committed) */
  signal?: AbortSignal;
}

/** What {@link recordCapture} did. */
export interface RecordCaptureResult {
  /** events read from the capture */
  events: number;
  /** the recorder's counters at the end */
  stats: RecorderStats;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Records a whole capture (NDJSON or `mosquitto_sub -v` text) into `store`. At the end every write
 * is committed and a sequence still open is closed; the caller saves the store.
 */
export async function recordCapture(
  store: Store,
  capture: string | Uint8Array,
  options: RecordCaptureOptions = {},
): Promise<RecordCaptureResult> {
  return recordEvents(store, readCapture(capture), options);
}

/**
 * Records a stream of events (e.g. a capture file read piece by piece, see `captureFileEvents`)
 * into `store`, as {@link recordCapture} does.
 */
export async function recordEvents(
  store: Store,
  source: Iterable<RecorderEvent>,
  options: RecordCaptureOptions = {},
): Promise<RecordCaptureResult> {
  const log = options.log ?? silent;
  const recorder = new Recorder(store, {
    topicRoot: options.topicRoot,
    watchdogSeconds: options.watchdogSeconds,
    log,
    onAccepted: options.onAccepted,
    onSequenceEnd: options.onSequenceEnd,
  });
  const rate = options.rate && options.rate > 0 ? options.rate : 0;
  const started = performance.now();
  let events = 0;
  for (const event of source) {
    if (options.signal?.aborted) break;
    if (rate) {
      const due = started + (events * 1000) / rate - performance.now();
      if (due > 4) await sleep(due);
    } else if (events % 5000 === 4999) {
      await sleep(0); // let timers and signals run on long captures
    }
    events++;
    options.onEvent?.(event);
    recorder.handle(event);
  }
  recorder.close("shutdown");
  return { events, stats: recorder.stats };
}
