/**
 * The recorder's settings and hooks, and what the hooks are told about sequences.
 */
import type { RecorderEvent } from "./events";
import type { Log } from "./log";

/** Why a sequence stopped recording. */
export type CloseReason = "complete" | "superseded" | "watchdog" | "died" | "shutdown";

/** A sequence the recorder opened. */
export interface SequenceInfo {
  readonly id: string;
  readonly activeState: string;
  /** epoch seconds: the earliest `arrival_time` among its gate clears seen so far */
  readonly startSequence: number;
}

/** Settings and hooks of a {@link Recorder}. */
export interface RecorderOptions {
  /** the MQTT topic root (default `pyDE1`) */
  topicRoot?: string;
  /** close a sequence this long after it opened, in seconds of the injected clock (default 270, pyDE1's) */
  watchdogSeconds?: number;
  /** commit when this many writes are queued (default 1000) */
  batchWrites?: number;
  /** where problems and sequence changes are reported (rejections at most once a minute per kind) */
  log?: Log;
  /** every event the recorder used (not rejected, not ignored), in order: what a journal appends */
  onAccepted?: (event: RecorderEvent) => void;
  /** a new master row was created: the moment to ask pyDE1's HTTP API for the resources */
  onSequenceStart?: (sequence: SequenceInfo) => void;
  /** a sequence stopped recording; its writes are committed when this is called */
  onSequenceEnd?: (sequence: SequenceInfo, reason: CloseReason) => void;
}
