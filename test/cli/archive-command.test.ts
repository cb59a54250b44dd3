import { describe, expect, it } from "vitest";
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ALL_TABLES, NOTIFICATION_TABLES } from "../../src/catalog";
import { FIXTURES, scratch, SHOTS_RECORDING } from "../support/paths";
import { cli, sqlite3 } from "../support/cli";
import { copyDatabase } from "../support/copy-db";

/** Rows per table as the native sqlite3 sees them. */
const counts = (file: string, where = "") =>
  Object.fromEntries(ALL_TABLES.map((t) => [t, Number(sqlite3(file, `SELECT count(*) FROM ${t} ${where}`))]));

/** Rows of one sequence per table (`sequence` and the 13 notification tables). */
function sequenceRows(file: string, id: string): Record<string, number> {
  const out: Record<string, number> = { sequence: Number(sqlite3(file, `SELECT count(*) FROM sequence WHERE id = '${id}'`)) };
  for (const t of NOTIFICATION_TABLES) out[t] = Number(sqlite3(file, `SELECT count(*) FROM ${t} WHERE sequence_id = '${id}'`));
  return out;
}

/**
 * A writable copy of three-shots in rollback-journal mode, with the oldest shot moved back 30 days,
 * and two dates for `--before` (TZ=UTC): `cut`, 15 days before the shots began, picks exactly that
 * one; `all`, two days after the last ended, picks every shot.
 */
function liveCopy(): { dir: string; db: string; old: string; ids: string[]; cut: string; all: string } {
  const dir = scratch();
  const db = copyDatabase(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), dir);
  chmodSync(db, 0o644);
  const ids = sqlite3(db, "SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence").split("\n");
  const shift = 30 * 86400;
  sqlite3(
    db,
    `PRAGMA journal_mode=DELETE; UPDATE sequence SET start_sequence = start_sequence - ${shift}, start_flow = start_flow - ${shift}, ` +
      `end_flow = end_flow - ${shift}, end_sequence = end_sequence - ${shift} WHERE id = '${ids[0]}';`,
  );
  const [first, last] = sqlite3(db, `SELECT min(start_sequence), max(end_sequence) FROM sequence WHERE id NOT IN ('dummy', '${ids[0]}')`).split("|").map(Number);
  const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
  return { dir, db, old: ids[0], ids, cut: day(first - 15 * 86400), all: day(last + 2 * 86400) };
}

const UTC = { TZ: "UTC" };
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));

describe("archive", () => {
  it("moves whole sequences that ended before the date, verified, and both files stay sound", () => {
    const { dir, db, old, ids, cut } = liveCopy();
    const before = counts(db);
    const moving = sequenceRows(db, old);
    const profile = sqlite3(db, `SELECT profile_id FROM sequence WHERE id = '${old}'`);
    const archive = join(dir, "archive.sqlite3");
    const r = cli(["archive", "--db", db, "--before", cut, "--to", archive], UTC);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(old);
    expect(r.stdout).toMatch(/archive verified/);

    for (const f of [db, archive]) expect(sqlite3(f, "PRAGMA integrity_check")).toBe("ok");
    expect(sqlite3(archive, "PRAGMA user_version")).toBe("3");
    // the moved sequence is whole in the archive and gone from the live file, in every table
    expect(sequenceRows(archive, old)).toEqual(moving);
    for (const n of Object.values(sequenceRows(db, old))) expect(n).toBe(0);
    expect(moving.shot_sample_with_volume_update).toBeGreaterThan(0);
    // nothing else moved or was lost: live + archive = before (the archive's own seed rows aside)
    const after = counts(db);
    const archived = counts(archive);
    for (const t of ["sequence", ...NOTIFICATION_TABLES]) {
      const seed = t === "sequence" ? 1 : 0; // the archive's own 'dummy' sequence row
      expect(after[t] + archived[t] - seed).toBe(before[t]);
    }
    expect(sqlite3(db, "SELECT group_concat(id) FROM (SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence)")).toBe(ids.slice(1).join(","));
    // the profile it used came along, once, and no other (but the archive's own 'dummy')
    expect(sqlite3(archive, `SELECT count(*) FROM profile WHERE id = '${profile}'`)).toBe("1");
    expect(sqlite3(archive, "SELECT count(*) FROM profile")).toBe(profile === "dummy" ? "1" : "2");
    // ATTACH joins the archive back
    expect(
      sqlite3(
        db,
        `ATTACH '${archive}' AS a; SELECT count(*) FROM (SELECT id FROM main.sequence UNION ALL SELECT id FROM a.sequence WHERE id <> 'dummy') s ` +
          `JOIN (SELECT sequence_id FROM main.shot_sample_with_volume_update UNION ALL SELECT sequence_id FROM a.shot_sample_with_volume_update) x ON x.sequence_id = s.id`,
      ),
    ).toBe(String(before.shot_sample_with_volume_update));
    expect(sqlite3(db, `ATTACH '${archive}' AS a; SELECT p.title FROM a.sequence s JOIN a.profile p ON p.id = s.profile_id WHERE s.id = '${old}'`)).not.toBe("");
    expect(readdirSync(dir).filter((f) => f.endsWith(".lock") || f.includes(".tmp-") || f.endsWith("-wal"))).toEqual([]);
  });

  it("appends to an existing archive, copying each profile once", () => {
    const { dir, db, ids, cut, all } = liveCopy();
    const before = counts(db);
    const profilesOf = (where: string) => new Set(sqlite3(db, `SELECT DISTINCT profile_id FROM sequence WHERE ${where}`).split("\n").filter(Boolean));
    const first = profilesOf(`id = '${ids[0]}'`);
    const rest = profilesOf(`id IN (${ids.slice(1).map((id) => `'${id}'`).join(", ")})`);
    const everyProfile = new Set([...first, ...rest, "dummy"]);
    const archive = join(dir, "archive.sqlite3");
    expect(cli(["archive", "--db", db, "--before", cut, "--to", archive], UTC).code).toBe(0);
    const r = cli(["archive", "--db", db, "--before", all, "--to", archive], UTC);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const fresh = [...rest].filter((p) => !first.has(p) && p !== "dummy").length;
    expect(r.stdout).toMatch(new RegExp(`profiles: ${rest.size} referenced, ${fresh} new in the archive`));
    expect(sqlite3(db, "SELECT count(*) FROM sequence WHERE id <> 'dummy'")).toBe("0");
    expect(sqlite3(archive, "SELECT group_concat(id) FROM (SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence)")).toBe(ids.join(","));
    const archived = counts(archive);
    for (const t of NOTIFICATION_TABLES) expect(archived[t]).toBe(before[t]);
    expect(archived.profile).toBe(everyProfile.size);
    for (const f of [db, archive]) expect(sqlite3(f, "PRAGMA integrity_check")).toBe("ok");
  });

  it("--dry-run prints sequences and rows per table and changes nothing, byte for byte", () => {
    const { dir, db, old, cut } = liveCopy();
    const archive = join(dir, "archive.sqlite3");
    const files = snapshot(dir);
    const moving = sequenceRows(db, old);
    const r = cli(["archive", "--db", db, "--before", cut, "--to", archive, "--dry-run"], UTC);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^would move 1 sequences/);
    expect(r.stdout).toContain(old);
    for (const [t, n] of Object.entries(moving)) expect(r.stdout).toMatch(new RegExp(`\\n  ${t} +${n}\\n`));
    expect(snapshot(dir)).toEqual(files);
    expect(existsSync(archive)).toBe(false);
  });

  const badArchives: [string, (file: string) => void, RegExp][] = [
    ["a file that is not SQLite", (f) => writeFileSync(f, "my notes ".repeat(40)), /not an SQLite database/],
    [
      "a pyDE1 v2 database",
      (f) => {
        copyFileSync(join(FIXTURES, "schemas/pyde1-schema-002.sqlite3"), f);
        chmodSync(f, 0o644);
      },
      /schema 2 database; an archive must be v3.*pyde1-store migrate/,
    ],
    ["SQLite without pyDE1's tables", (f) => sqlite3(f, "CREATE TABLE notes(a); INSERT INTO notes VALUES (1);"), /without pyDE1's tables\. Give --to an archive made by 'archive', or a new path/],
  ];
  for (const [what, make, message] of badArchives) {
    it(`refuses ${what} as the archive and leaves both files byte-identical`, () => {
      const { dir, db, all } = liveCopy();
      const archive = join(dir, "archive.sqlite3");
      make(archive);
      const files = snapshot(dir);
      for (const extra of [[], ["--dry-run"]]) {
        const r = cli(["archive", "--db", db, "--before", all, "--to", archive, ...extra], UTC);
        expect(r.code).toBe(1);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toContain(archive);
        expect(r.stderr).toMatch(message);
        expect(snapshot(dir)).toEqual(files);
      }
    });
  }

  it("refuses a live file with a -wal beside it (another writer) and changes neither file", () => {
    const dir = scratch();
    const db = copyDatabase(join(FIXTURES, "live-wal/pyde1.sqlite3"), dir);
    const archive = join(dir, "archive.sqlite3");
    const files = snapshot(dir);
    const r = cli(["archive", "--db", db, "--before", "2030-01-01", "--to", archive], UTC);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(db);
    expect(r.stderr).toMatch(/-wal file is beside it/);
    expect(snapshot(dir)).toEqual(files);
  });

  it("a malformed date is a usage error", () => {
    const { db, dir } = liveCopy();
    const r = cli(["archive", "--db", db, "--before", "2023-02-30", "--to", join(dir, "a.sqlite3")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--before must be a date YYYY-MM-DD/);
  });
});
