/**
 * `record --from-capture` through the built CLI, as a user runs it: profiles added with
 * `profile add`, then the capture recorded; the file is compared with the database pyDE1's own
 * recorder wrote, and read by the native sqlite3.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NOTIFICATION_TABLES, SEQUENCE_RESOURCES } from "../../src/catalog";
import { loadSqlJs } from "../../src/store/sqljs";
import { Store } from "../../src/store/store";
import { FIXTURES, RECORDINGS, scratch } from "../support/paths";
import { cli, sqlite3 } from "../support/cli";
import { readRecording, readTable } from "../recorder/expected";
import { LiveFeed, afterShot } from "../support/live-feed";
import { syntheticMessages } from "../support/streams";

describe("record --from-capture (CLI)", () => {
  for (const name of RECORDINGS) {
    it(`${name}: gives pyDE1's rows, readable by the native sqlite3`, async () => {
      const rec = readRecording(name);
      const dir = scratch();
      const db = join(dir, "mine.sqlite3");
      rec.manifest.profiles.forEach((p, i) => {
        const file = join(dir, `profile-${i}.json`);
        writeFileSync(file, p.source);
        const r = cli(["profile", "add", "--db", db, "--date-added", String(p.when), file]);
        expect(r.code, r.stderr).toBe(0);
      });
      const r = cli(["record", "--db", db, "--from-capture", join(rec.dir, "capture.ndjson")]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/\d+ events, \d+ notifications accepted, 0 rejected, \d+ sequences/);

      expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
      const store = Store.open(await loadSqlJs(), readFileSync(db));
      for (const table of NOTIFICATION_TABLES) {
        const want = rec.tables[table];
        expect(readTable(store, table, want.columns), table).toEqual(want.rows);
        expect(sqlite3(db, `SELECT count(*) FROM ${table}`)).toBe(String(want.rows.length));
      }
      const exact = ["id", "active_state", "profile_id", "profile_assumed", "start_flow", "end_flow", "end_sequence", ...SEQUENCE_RESOURCES.map((r) => r.column)];
      const got = readTable(store, "sequence", [...exact, "start_sequence"]);
      const want = rec.tables.sequence.rows;
      expect(got.length).toBe(want.length);
      got.forEach((row, k) => {
        for (const c of exact) expect(row[c], `sequence ${k} ${c}`).toEqual(want[k][c]);
        const [gs, ws] = [row.start_sequence[1] as number | null, want[k].start_sequence[1] as number | null];
        if (ws === null) expect(gs).toBeNull();
        else expect(Math.abs((gs as number) - ws)).toBeLessThanOrEqual(0.05);
      });
      expect(readTable(store, "profile", ["id", "source", "fingerprint", "date_added", "title"])).toEqual(
        rec.tables.profile.rows.map((r) => ({ id: r.id, source: r.source, fingerprint: r.fingerprint, date_added: r.date_added, title: r.title })),
      );
      store.close();
    });
  }

  it("refuses an unreadable capture with one line, leaving no database behind", () => {
    const dir = scratch();
    const r = cli(["record", "--db", join(dir, "x.sqlite3"), "--from-capture", join(dir, "missing.ndjson")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\.ndjson: cannot read the capture \(ENOENT\)/);
    const folder = cli(["record", "--db", join(dir, "x.sqlite3"), "--from-capture", dir]);
    expect(folder.code).toBe(1);
    expect(folder.stderr.trim()).toBe(`pyde1-store record: ${dir}: is a folder, not a capture file. Give the file's path.`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("warns when no event of a capture is a notification under the topic root (another root, or not a capture)", () => {
    const dir = scratch();
    const rec = readRecording(RECORDINGS[0]);
    const capturePath = join(FIXTURES, "recordings", RECORDINGS[0], "capture.ndjson");
    const events = rec.capture.toString("utf8").split("\n").filter(Boolean).length;
    const other = cli(["record", "--db", join(dir, "a.sqlite3"), "--from-capture", capturePath, "--topic-root", "elsewhere"]);
    expect(other.code).toBe(0);
    expect(other.stderr).toContain(`warn  record: none of the capture's ${events} events is a pyDE1 notification under elsewhere/: is it a capture of pyDE1's feed, and is its topic root elsewhere (--topic-root)?`);
    const right = cli(["record", "--db", join(dir, "b.sqlite3"), "--from-capture", capturePath]);
    expect(right.code).toBe(0);
    expect(right.stderr).not.toContain("none of the capture's");
  });

  it("says so when a crashed live recorder's journal waits beside the file, and that journal does go in at the next live start", async () => {
    const messages = syntheticMessages({ shots: 2, seed: 23 });
    const midSecond = afterShot(messages, 1) + Math.floor((afterShot(messages, 2) - afterShot(messages, 1)) / 2);
    const db = join(scratch(), "mine.sqlite3");
    const feed = await LiveFeed.start();
    try {
      const live = await feed.record(db);
      await feed.publish(messages.slice(0, midSecond));
      await feed.sync(live);
      await new Promise((r) => setTimeout(r, 300)); // past the journal's 100 ms fsync window
      const second = live.lines(/sequence \S+ \(Espresso\) opened/).map((l) => /sequence (\S+) \(/.exec(l)![1]!)[1]!;
      await live.signal("SIGKILL");
      const capture = cli(["record", "--db", db, "--from-capture", join(FIXTURES, "recordings", RECORDINGS[0], "capture.ndjson")]);
      expect(capture.code).toBe(0);
      expect(capture.stderr).toMatch(
        new RegExp(`warn  record: ${db}\\.journal holds \\d+ events a live recorder received but did not save \\(it stopped without saving\\); a capture does not replay them: they go into the file at the next live start`),
      );
      const ids = () => sqlite3(db, "SELECT id FROM sequence").split("\n");
      expect(ids()).not.toContain(second);
      const next = await feed.record(db);
      expect(await next.signal("SIGTERM")).toBe(0);
      expect(ids()).toContain(second);
      const clean = cli(["record", "--db", db, "--from-capture", join(FIXTURES, "recordings", RECORDINGS[0], "capture.ndjson")]);
      expect(clean.stderr).not.toContain(".journal holds");
    } finally {
      await feed.stop();
    }
  }, 90_000);
});
