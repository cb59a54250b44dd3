/**
 * The recorder's logging seam: an injected function, and a limiter that reports each kind of
 * problem at most once a minute of the injected clock, saying how many were not reported.
 */

/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Where the recorder and the feeds report: an injected function (console, a file, a test array). */
export type Log = (level: LogLevel, message: string) => void;

/** A log that drops everything. */
export const silent: Log = () => {};

/** Reports each kind at most once per interval (default 60 s) of the clock passed in. */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Log,
    private readonly intervalSeconds = 60,
  ) {}

  /** Reports `message` under `kind` unless that kind was reported less than an interval ago. */
  report(level: LogLevel, kind: string, message: string, now: number): void {
    const seen = this.last.get(kind);
    if (seen && now - seen.at < this.intervalSeconds && now >= seen.at) {
      seen.suppressed++;
      return;
    }
    const more = seen && seen.suppressed > 0 ? ` (and ${seen.suppressed} more since the last report)` : "";
    this.last.set(kind, { at: now, suppressed: 0 });
    this.log(level, message + more);
  }
}
