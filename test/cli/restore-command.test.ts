import { describe, expect, it } from "vitest";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ALL_TABLES } from "../../src/catalog";
import { spawnSync } from "node:child_process";
import { ASSUMED_RECORDING, FIXTURES, ROOT, scratch, SHOTS_RECORDING } from "../support/paths";
import { cli, sqlite3 } from "../support/cli";
import { copyDatabase } from "../support/copy-db";
import { LiveFeed } from "../support/live-feed";
import { syntheticMessages } from "../support/streams";

const recording = (name: string) => join(FIXTURES, "recordings", name);

/** Sequence ids (not 'dummy'), sorted, as the native sqlite3 reads them. */
const ids = (file: string) => sqlite3(file, "SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY id").split("\n").filter(Boolean);
/** Rows per table as the native sqlite3 sees them. */
const counts = (file: string) => Object.fromEntries(ALL_TABLES.map((t) => [t, sqlite3(file, `SELECT count(*) FROM ${t}`)]));

/** A plain backup of a recording's database (its -wal applied: a rollback-journal file), made by `backup` into `dir`. */
function backupOf(rec: string, dir: string, gzip = false): string {
  const source = copyDatabase(join(recording(rec), "expected.sqlite3"), scratch(), "source.sqlite3");
  const r = cli(["backup", "--db", source, "--to", dir, ...(gzip ? ["--compress", "gzip"] : [])]);
  expect(r.code).toBe(0);
  return r.stdout.split("\n")[0]!;
}

/**
 * A folder with a database file of our own (`rec`'s, no -wal beside it, mode 600) and a gzipped
 * and a plain backup of another recording, made by `backup`.
 */
function setUp(rec = ASSUMED_RECORDING, backedUp = SHOTS_RECORDING): { dir: string; db: string; gz: string; plain: string } {
  const dir = scratch();
  const db = join(dir, "pyde1.sqlite3");
  renameSync(backupOf(rec, scratch()), db);
  chmodSync(db, 0o600);
  const backups = join(dir, "backups");
  mkdirSync(backups);
  const gz = backupOf(backedUp, backups, true);
  const plain = backupOf(backedUp, backups);
  expect(gz.endsWith(".gz") && plain.endsWith(".sqlite3")).toBe(true);
  return { dir, db, gz, plain };
}

/**
 * After a restore: the recorder opens both files. The restored one gets no old journal replayed
 * into it; the kept pair recovers the second shot (`opened`, the sequences the killed recorder
 * opened). Returns the restored file's sequence ids.
 */
async function reopenBoth(feed: LiveFeed, db: string, kept: string, opened: string[]): Promise<string[]> {
  const restoredIds = ids(db);
  for (const file of [db, kept]) {
    const again = await feed.record(file);
    expect(await again.signal("SIGTERM")).toBe(0);
  }
  expect(ids(db)).toEqual(restoredIds);
  expect(ids(kept)).toEqual(expect.arrayContaining(opened));
  return restoredIds;
}

/** Every file in `dir` with its bytes, to show a refusal changed nothing. */
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()).map((f) => [f, readFileSync(join(dir, f)).toString("base64")]));

describe("restore", () => {
  for (const kind of ["gz", "plain"] as const) {
    it(`puts a ${kind === "gz" ? "gzipped" : "plain"} backup in place, keeping the file it replaced and the file's mode`, () => {
      const { dir, db, gz, plain } = setUp();
      const from = kind === "gz" ? gz : plain;
      const old = readFileSync(db);
      const r = cli(["restore", "--from", from, "--db", db], { TZ: "UTC" });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const backupBytes = kind === "gz" ? gunzipSync(readFileSync(gz)) : readFileSync(plain);
      expect(Buffer.compare(readFileSync(db), backupBytes)).toBe(0);
      expect(statSync(db).mode & 0o777).toBe(0o600);
      const kept = readdirSync(dir).filter((f) => /^pyde1\.sqlite3\.\d{4}-\d\d-\d\d_\d{6}\.backup$/.test(f));
      expect(kept).toHaveLength(1);
      expect(Buffer.compare(readFileSync(join(dir, kept[0]!)), old)).toBe(0);
      const restoredIds = ids(db);
      expect(restoredIds).toEqual(ids(copyDatabase(join(recording(SHOTS_RECORDING), "expected.sqlite3"), scratch())));
      const newest = Number(sqlite3(db, "SELECT max(start_sequence) FROM sequence"));
      const newestText = new Date(Math.floor(newest) * 1000).toISOString().replace("T", " ").slice(0, 19);
      expect(r.stdout.split("\n")[0]).toBe(
        `restored ${db} from ${from}: ${restoredIds.length} sequences, the newest started ${newestText}, schema v3, integrity_check ok`,
      );
      expect(r.stdout).toContain(`the file it replaced is kept as ${join(dir, kept[0]!)}`);
      expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
      expect(readdirSync(dir).filter((f) => /-wal$|-shm$|\.lock$|\.tmp-/.test(f))).toEqual([]); // a rollback-journal file, lock released
    });
  }

  it("restores a live pyDE1 file with its -wal applied, and creates a database that did not exist", () => {
    const dir = scratch();
    const live = copyDatabase(join(FIXTURES, "live-wal/pyde1.sqlite3"), scratch());
    const expected = counts(copyDatabase(join(FIXTURES, "live-wal/pyde1.sqlite3"), scratch()));
    const db = join(dir, "new.sqlite3");
    const r = cli(["restore", "--from", live, "--db", db]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("kept as");
    expect(counts(db)).toEqual(expected);
    expect(readdirSync(dir).sort()).toEqual(["new.sqlite3"]);
  });

  it("refuses while a recorder writes the file; after that recorder dies, moves its journal beside the kept copy, where it still recovers", async () => {
    const { dir, db, gz } = setUp();
    const feed = await LiveFeed.start();
    try {
      // one shot whole (saved into the file), the next half-way (only in the journal)
      const { rec, opened } = await feed.recordIntoSecondShot(db, syntheticMessages({ shots: 2, seed: 19 }));
      const before = Object.keys(snapshot(dir)).sort();
      const refused = cli(["restore", "--from", gz, "--db", db]);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
      expect(refused.stderr).toContain(`${db}: the recorder is writing it (pyde1-store process ${rec.pid})`);
      expect(refused.stderr).toMatch(/Stop it first \(sudo systemctl stop pyde1-store/);
      expect(Object.keys(snapshot(dir)).sort()).toEqual(before); // the refusal added and removed nothing
      // a backup taken now says what it lacks: the shot in progress, only in the journal so far
      const backups = scratch();
      const taken = cli(["backup", "--db", db, "--to", backups]);
      expect(taken.code).toBe(0);
      const copy = taken.stdout.split("\n")[0]!;
      expect(taken.stdout).toMatch(new RegExp(`  not in it: \\d+ events in ${db}\\.journal that the recorder has not saved into the file yet`));
      expect(ids(copy)).not.toContain(opened[1]);
      await rec.signal("SIGKILL"); // a power cut: the second shot's rows are only in the journal
      expect(ids(db)).not.toContain(opened[1]);
      const journal = readFileSync(`${db}.journal`);
      const r = cli(["restore", "--from", gz, "--db", db]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const kept = /kept as (\S+)$/m.exec(r.stdout)![1]!;
      expect(r.stdout).toContain(`its journal is kept as ${kept}.journal`);
      expect(existsSync(`${db}.journal`)).toBe(false);
      expect(Buffer.compare(readFileSync(`${kept}.journal`), journal)).toBe(0);
      const restoredIds = await reopenBoth(feed, db, kept, opened);
      expect(restoredIds).not.toContain(opened[0]);
    } finally {
      await feed.stop();
    }
  }, 90_000);

  it("the README's steps by hand (for a Pi without the memory) do what restore does, journal included", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const after = readme.slice(readme.indexOf("do by hand what it does"));
    const steps = /```sh\n([\s\S]*?)```/.exec(after)![1]!;
    expect(steps).toContain("/var/lib/pyde1-store");
    const { dir, db, gz } = setUp();
    const feed = await LiveFeed.start();
    try {
      const { rec, opened } = await feed.recordIntoSecondShot(db, syntheticMessages({ shots: 2, seed: 23 }));
      await rec.signal("SIGKILL");
      const journal = readFileSync(`${db}.journal`);
      // the steps as the README gives them, with this folder and this backup in place of the examples
      const script = steps.replaceAll("/var/lib/pyde1-store", dir).replace(/\/var\/backups\/pyde1\/\S+\.sqlite3\.gz/, gz);
      expect(script).not.toContain("/var/");
      const r = spawnSync("bash", ["-e", "-c", script], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe("ok"); // integrity_check of the restored file
      expect(Buffer.compare(readFileSync(db), gunzipSync(readFileSync(gz)))).toBe(0);
      expect(existsSync(`${db}.journal`)).toBe(false);
      // the copy the steps kept is the one with the journal beside it (the recorder's first start upgraded the file, keeping one more)
      const kept = readdirSync(dir).filter((f) => /^pyde1\.sqlite3\.\d{4}-\d\d-\d\d_\d{6}\.backup$/.test(f) && existsSync(join(dir, `${f}.journal`)));
      expect(kept, readdirSync(dir).join(" ")).toHaveLength(1);
      const keptDb = join(dir, kept[0]!);
      expect(Buffer.compare(readFileSync(`${keptDb}.journal`), journal)).toBe(0);
      await reopenBoth(feed, db, keptDb, opened); // as after restore
    } finally {
      await feed.stop();
    }
  }, 90_000);

  it("refuses a file pyDE1 has open (a -wal beside it), changing nothing", () => {
    const { dir, db, gz } = setUp();
    writeFileSync(`${db}-wal`, "");
    const before = snapshot(dir);
    const r = cli(["restore", "--from", gz, "--db", db]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/a -wal or -shm file is beside it: pyDE1 .* Stop pyDE1 first .*wal_checkpoint\(TRUNCATE\).*Nothing was changed/);
    expect(snapshot(dir)).toEqual(before);
  });

  const badBackups: [string, (dir: string, gz: string, db: string) => string, RegExp][] = [
    ["a path that does not exist", (dir) => join(dir, "nope.sqlite3.gz"), /nope\.sqlite3\.gz: no such file/],
    ["a folder", (dir) => join(dir, "backups"), /backups: is a folder\. Give one backup file in it/],
    ["the database itself", (_dir, _gz, db) => db, /is the database itself/],
    ["a text file", (dir) => (writeFileSync(join(dir, "notes.txt"), "hello\n"), join(dir, "notes.txt")), /not an SQLite database/],
    [
      "a gzip cut short",
      (dir, gz) => {
        const bytes = readFileSync(gz);
        writeFileSync(join(dir, "cut.gz"), bytes.subarray(0, bytes.length >> 1));
        return join(dir, "cut.gz");
      },
      /cut\.gz: a gzip file that does not unpack .*damaged or cut short/,
    ],
    [
      "a database that fails integrity_check",
      (dir, gz) => {
        const bytes = gunzipSync(readFileSync(gz));
        const pageSize = bytes.readUInt16BE(16) || 65536;
        const probe = join(scratch(), "probe.sqlite3");
        writeFileSync(probe, bytes);
        // one leaf page of the shot samples: its cells scrambled, the header and the rest of the file intact
        const leaf = Number(sqlite3(probe, "SELECT max(pageno) FROM dbstat WHERE name = 'shot_sample_with_volume_update' AND pagetype = 'leaf'"));
        expect(leaf).toBeGreaterThan(1);
        for (let i = 8; i < pageSize; i += 7) bytes[(leaf - 1) * pageSize + i] = (i * 31) & 0xff;
        writeFileSync(join(dir, "broken.sqlite3.gz"), gzipSync(bytes));
        return join(dir, "broken.sqlite3.gz");
      },
      /broken\.sqlite3\.gz: (fails PRAGMA integrity_check|cannot be read|does not open).*damaged\. Choose another backup/,
    ],
    [
      "an SQLite file without pyDE1's tables",
      (dir) => {
        const other = join(scratch(), "other.sqlite3");
        sqlite3(other, "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('x');");
        return other;
      },
      /other\.sqlite3: an SQLite database without pyDE1's tables \(missing: .*\)\. .*Choose a backup of a pyDE1 database/,
    ],
  ];
  for (const [what, make, message] of badBackups) {
    it(`refuses ${what} in one line, changing nothing`, () => {
      const { dir, db, gz } = setUp();
      const from = make(dir, gz, db);
      const before = snapshot(dir);
      const r = cli(["restore", "--from", from, "--db", db]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(snapshot(dir)).toEqual(before);
    });
  }

  it("names the folder to create when the database's folder does not exist; --from and --db are required (exit 2)", () => {
    const { dir, gz } = setUp();
    const missing = cli(["restore", "--from", gz, "--db", join(dir, "no", "pyde1.sqlite3")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no: no such folder for the database pyde1\.sqlite3\. Create it first \(mkdir -p /);
    expect(cli(["restore", "--db", join(dir, "x.sqlite3")]).code).toBe(2);
    expect(cli(["restore", "--from", gz]).code).toBe(2);
    const help = cli(["restore", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout.startsWith("Usage: pyde1-store restore --from BACKUP --db FILE")).toBe(true);
  });
});
