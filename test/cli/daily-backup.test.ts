/**
 * The main job's own daily backup (`--backup-to`), through the real `record` process and a real
 * mosquitto: made soon after the start when none is from the last day, not when one is; old ones
 * pruned after a new one, other files never; bad settings refused before anything starts. And the
 * scheduler itself, running the built CLI's real `backup`: put off while a sequence is open, made after.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { LiveFeed, afterShot } from "../support/live-feed";
import { syntheticMessages } from "../support/streams";
import { FIXTURES, ROOT, SHOTS_RECORDING, scratch } from "../support/paths";
import { copyDatabase } from "../support/copy-db";
import { startDailyBackup } from "../../src/cli/daily-backup";
import { cli, sqlite3 } from "../support/cli";

const messages = syntheticMessages({ shots: 1, seed: 31 });
const DAY = 86_400;
let feed: LiveFeed;

beforeAll(async () => {
  feed = await LiveFeed.start();
});
afterAll(async () => {
  await feed?.stop();
});

/** Writes a file with a modification time `ageDays` ago. */
function aged(path: string, ageDays: number, text = "an older backup"): void {
  writeFileSync(path, text);
  const t = Date.now() / 1000 - ageDays * DAY;
  utimesSync(path, t, t);
}

describe("--backup-to", () => {
  it("with none from the last day: backs up soon after the start; with one, not; then prunes old backups and nothing else", async () => {
    const dir = scratch();
    const db = join(dir, "pyde1.sqlite3");
    const backups = join(dir, "backups"); // made when missing
    // a shot recorded first: the backup, made 2 s after the start, holds it
    const first = await feed.record(db);
    await feed.publish(messages.slice(0, afterShot(messages, 1)));
    await feed.sync(first);
    expect(await first.signal("SIGTERM")).toBe(0);
    const rec = await feed.record(db, ["--backup-to", backups, "--backup-keep", "30"]);
    await rec.waitFor(/info  backup: \S+\.sqlite3\.gz \(/, 30_000);
    const made = readdirSync(backups).filter((f) => f.endsWith(".gz"));
    expect(made).toHaveLength(1);
    expect(rec.lines(/info  backup: /)[0]).toContain(`backup: ${join(backups, made[0]!)} (`);
    const copy = join(scratch(), "copy.sqlite3");
    writeFileSync(copy, gunzipSync(readFileSync(join(backups, made[0]!))));
    expect(sqlite3(copy, "PRAGMA integrity_check")).toBe("ok");
    expect(sqlite3(copy, "SELECT count(*) FROM sequence WHERE id <> 'dummy'")).toBe("1");
    expect(await rec.signal("SIGTERM")).toBe(0);

    // a second start finds a fresh backup: nothing more; then only old ones and other files
    aged(join(backups, "pyde1.2020-01-01_0315.sqlite3.gz"), 40);
    aged(join(backups, "pyde1.2020-01-02_0315.sqlite3"), 35);
    aged(join(backups, "notes.txt"), 400, "keep me");
    const again = await feed.record(db, ["--backup-to", backups, "--backup-keep", "30"]);
    await new Promise((r) => setTimeout(r, 4000));
    expect(again.lines(/backup: /)).toEqual([]);
    expect(await again.signal("SIGTERM")).toBe(0);
    expect(readdirSync(backups).sort()).toEqual([made[0], "notes.txt", "pyde1.2020-01-01_0315.sqlite3.gz", "pyde1.2020-01-02_0315.sqlite3"].sort());

    aged(join(backups, made[0]!), 2, readFileSync(join(backups, made[0]!)).toString("latin1")); // yesterday's, as if a day went by
    const third = await feed.record(db, ["--backup-to", backups, "--backup-keep", "30"]);
    await third.waitFor(/info  backup: removed .*, older than 30 days/, 30_000, 2);
    expect(third.lines(/backup: removed/).map((l) => /removed \S+\/(\S+),/.exec(l)![1]).sort()).toEqual(["pyde1.2020-01-01_0315.sqlite3.gz", "pyde1.2020-01-02_0315.sqlite3"]);
    expect(await third.signal("SIGTERM")).toBe(0);
    const left = readdirSync(backups).sort();
    expect(left).toContain("notes.txt");
    expect(left).toContain(made[0]);
    expect(left.filter((f) => f.startsWith("pyde1.2020"))).toEqual([]);
    expect(left.filter((f) => f.endsWith(".gz"))).toHaveLength(2);
    expect(existsSync(join(backups, "notes.txt"))).toBe(true);
  }, 90_000);

  it("refuses bad settings before anything starts (exit 2)", () => {
    const dir = scratch();
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const db = join(dir, "pyde1.sqlite3");
    const cases: [string[], RegExp][] = [
      [["--backup-to", file], /--backup-to .*a-file: is a file; name a folder for the backups/],
      [["--backup-keep", "7"], /--backup-keep goes with --backup-to DIR/],
      [["--backup-to", join(dir, "b"), "--backup-keep", "1.5"], /--backup-keep must be a whole number of days/],
    ];
    for (const [args, message] of cases) {
      const r = cli(["record", "--db", db, "--broker", feed.broker.url, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const capture = cli(["record", "--db", db, "--from-capture", file, "--backup-to", join(dir, "b")]);
    expect(capture.code).toBe(2);
    expect(capture.stderr).toMatch(/--backup-to goes with a live recording/);
    expect(readdirSync(dir).sort()).toEqual(["a-file"]);
  });

  it("puts a due backup off while a sequence is being recorded, looks again soon, and makes it once the sequence has ended", async () => {
    const dir = scratch();
    const backups = join(dir, "backups");
    mkdirSync(backups);
    const db = copyDatabase(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), dir);
    const seen: string[][] = []; // what the backup folder held at each look while the sequence was open
    let looks = 0;
    let savedAtLook = -1;
    const logged: string[] = [];
    const daily = startDailyBackup({
      dir: backups,
      keepDays: 30,
      db,
      log: (level, message) => logged.push(`${level} ${message}`),
      busy: () => {
        looks++;
        seen.push(readdirSync(backups));
        return looks <= 3; // open for the first three looks
      },
      save: async () => {
        savedAtLook = looks;
      },
      firstMs: 50,
      busyMs: 300,
      checkMs: 3_600_000, // the next regular look would be an hour away: only the short look again can make it
      cli: join(ROOT, "dist/cli.js"),
    });
    try {
      const deadline = Date.now() + 30_000;
      while (!logged.some((l) => l.startsWith("info backup: ")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await daily.stop();
    }
    expect(logged.filter((l) => l.startsWith("error"))).toEqual([]);
    expect(looks).toBe(4);
    expect(seen.slice(0, 3)).toEqual([[], [], []]); // nothing made while the sequence was open
    expect(savedAtLook).toBe(4); // saved right before the backup, after the sequence ended
    const made = readdirSync(backups);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/\.sqlite3\.gz$/);
    expect(logged).toContain(`info backup: ${join(backups, made[0]!)} (${/\((.*)\)$/.exec(logged.find((l) => l.startsWith("info backup: "))!)![1]})`);
    const copy = join(scratch(), "copy.sqlite3");
    writeFileSync(copy, gunzipSync(readFileSync(join(backups, made[0]!))));
    expect(sqlite3(copy, "SELECT count(*) FROM sequence")).toBe(sqlite3(db, "SELECT count(*) FROM sequence"));
  }, 60_000);
});
