/**
 * Bounded memory, measured on the real process (peak RSS from the kernel, reported at exit):
 * `record --from-capture` and a live save on databases of a few sizes made from the synthetic
 * stream, against the fixed overhead of the same command on an empty database. A live recording
 * that grows the file and saves it must stay under 1.25× the file plus that overhead (a run over it
 * is run again once and the lower figures count: one run's peak is noisy, a regression is not).
 * And the size warning: once, when the file passes --warn-mb (at start, or after the save that
 * crossed it), naming the archive command.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { syntheticCapture } from "../../scripts/bench/synthetic-capture";
import { LiveFeed, afterShot } from "../support/live-feed";
import { scratch } from "../support/paths";
import { CliProcess, PEAK_RSS_AT_EXIT } from "../support/recorder-process";
import { syntheticMessages } from "../support/streams";

const MB = 1024 * 1024;
const dir = scratch("pyde1-store-memory-");

/** Records a synthetic capture of `shots` shots (with flushes) through the CLI; returns the file, its size and the peak RSS. */
async function fromCapture(shots: number): Promise<{ db: string; bytes: number; captureBytes: number; peak: number }> {
  const capture = join(dir, `capture-${shots}.ndjson`);
  writeFileSync(capture, shots ? [...syntheticCapture({ shots, seed: 31, flushes: true })].join("\n") + "\n" : "");
  const db = join(dir, `db-${shots}.sqlite3`);
  const proc = new CliProcess(["record", "--db", db, "--from-capture", capture], {}, PEAK_RSS_AT_EXIT);
  expect(await proc.exited, proc.stderr).toBe(0);
  return { db, bytes: statSync(db).size, captureBytes: statSync(capture).size, peak: proc.reportedPeakRss()! };
}

const fmt = (b: number) => `${(b / MB).toFixed(1)} MB`;

/** The shots the live recordings record (their database file grows). */
const threeShots = syntheticMessages({ shots: 3, seed: 77 });

describe("bounded memory and the size warning", () => {
  let feed: LiveFeed;
  beforeAll(async () => {
    feed = await LiveFeed.start();
  });
  afterAll(async () => {
    await feed?.stop();
  });

  /**
   * A live recording on a copy of `db`: three shots recorded (the file grows), each saved when it
   * completes, then stopped: its peak RSS after the first save (VmHWM read while it runs) and at exit.
   */
  async function liveSaves(db: string, args: string[] = []): Promise<{ first: number; peak: number; proc: CliProcess }> {
    const copy = join(dir, `live-${Math.random().toString(36).slice(2)}.sqlite3`);
    copyFileSync(db, copy);
    const proc = new CliProcess(["record", "--db", copy, "--broker", feed.broker.url, "--verbose", ...args], {}, PEAK_RSS_AT_EXIT);
    await proc.waitFor(/mqtt: connected to/);
    await feed.sync(proc);
    let first = 0;
    let from = 0;
    for (let k = 1; k <= 3; k++) {
      const to = afterShot(threeShots, k);
      await feed.publish(threeShots.slice(from, to));
      from = to;
      await proc.waitFor(/debug record: saved .*\(sequence complete\)/, 30_000, k);
      if (k === 1) first = proc.peakRss();
    }
    expect(await proc.signal("SIGTERM")).toBe(0);
    return { first, peak: proc.reportedPeakRss()!, proc };
  }

  it("peak RSS of record --from-capture and of a live save, against the file size", async () => {
    const empty = await fromCapture(0);
    const sizes = [await fromCapture(30), await fromCapture(110)];
    const liveEmpty = await liveSaves(empty.db);
    const ratio = (peak: number, fixed: number, bytes: number) => `fixed + ${((peak - fixed) / bytes).toFixed(2)}× file`;
    const lines = [`fixed overhead: record --from-capture ${fmt(empty.peak)}, live ${fmt(liveEmpty.first)} after one save, ${fmt(liveEmpty.peak)} after three (empty database)`];
    for (const s of sizes) {
      const bound = (fixed: number) => fixed + 1.25 * s.bytes + 8 * MB; // see below
      let live = await liveSaves(s.db);
      if (live.first >= bound(liveEmpty.first) || live.peak >= bound(liveEmpty.peak)) {
        // A single run's peak RSS on this kind of machine jumps by 30 MB now and then (one run in
        // about ten here: 130 MB where 95-102 MB is usual). A second run decides: what a real
        // regression adds (a second image of the file, a copy at growth) is there every time.
        const again = await liveSaves(s.db);
        lines.push(`(${fmt(s.bytes)} file: a second live run after ${fmt(live.first)} / ${fmt(live.peak)}; the lower figures count)`);
        live = { ...again, first: Math.min(live.first, again.first), peak: Math.min(live.peak, again.peak) };
      }
      lines.push(
        `${fmt(s.bytes)} file (capture ${fmt(s.captureBytes)}): --from-capture peak ${fmt(s.peak)} = ${ratio(s.peak, empty.peak, s.bytes)}; ` +
          `live: first save ${fmt(live.first)} = ${ratio(live.first, liveEmpty.first, s.bytes)}, after three saves ${fmt(live.peak)} = ${ratio(live.peak, liveEmpty.peak, s.bytes)}`,
      );
      // A save writes the bytes sql.js already holds (Store.fileImage): no second image of the file.
      // The file grows in place (growable-bytes.ts), where sql.js alone copied the whole file into a
      // buffer 1/8 larger at the first write that extended it (measured 2.2x for the 31 MB file; now 1.0-1.2x).
      // So about the file once above the fixed overhead, however many saves; 1.25x: SQLite's page
      // cache and the growth room; 8 MB: run-to-run noise of the fixed part.
      expect(live.first, `first live save of a ${fmt(s.bytes)} file`).toBeLessThan(bound(liveEmpty.first));
      expect(live.peak, `three live saves of a ${fmt(s.bytes)} file`).toBeLessThan(bound(liveEmpty.peak));
      // --from-capture reads the capture 4 MB at a time but holds the database it builds, in sql.js's
      // memory file and its WebAssembly heap; V8's heap grows with the run. Not the live bound: a guard
      // against a leak per event or per save. The 48 MB: the empty run is too short for V8 to optimize
      // our code (or, with the raised tier-up budget, to recompile sql.js), so its peak (~58 MB) lacks
      // what any real run has; measured 106-136 MB above it for the 24 MB capture, 182 MB for 90 MB.
      expect(s.peak, `--from-capture of ${fmt(s.captureBytes)}`).toBeLessThan(empty.peak + 5 * s.captureBytes + 48 * MB);
    }
    console.log(lines.join("\n"));
  }, 120_000);

  it("warns once when the file passes --warn-mb: at start, or after the save that crossed it", async () => {
    const messages = syntheticMessages({ shots: 2, seed: 4 });
    const db = join(scratch(), "pyde1.sqlite3");
    const proc = await feed.record(db, ["--idle-save", "1", "--warn-mb", "0.3"]);
    await feed.publish(messages.slice(0, afterShot(messages, 1) + 20));
    await feed.sync(proc);
    await proc.waitFor(/debug record: saved/);
    await new Promise((r) => setTimeout(r, 1300));
    expect(statSync(db).size).toBeGreaterThan(0.3 * MB);
    const warn = proc.lines(/warn .* MB; every save rewrites the whole file/);
    expect(warn.length).toBe(1);
    expect(warn[0]).toContain(`pyde1-store archive --db ${db} --before YYYY-MM-DD`);
    await feed.publish(messages.slice(afterShot(messages, 1) + 20));
    await feed.sync(proc);
    expect(await proc.signal("SIGTERM")).toBe(0);
    expect(proc.lines(/every save rewrites the whole file/).length).toBe(1); // once, not at every save
    // a file already past the limit: said at start
    const again = await feed.record(db, ["--warn-mb", "0.3"]);
    expect(again.lines(/every save rewrites the whole file/).length).toBe(1);
    expect(await again.signal("SIGTERM")).toBe(0);
    // below the default 200 MB: nothing
    const quiet = await feed.record(db, []);
    expect(await quiet.signal("SIGTERM")).toBe(0);
    expect(quiet.lines(/every save rewrites the whole file/)).toEqual([]);
  }, 60_000);
});
