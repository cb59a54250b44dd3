process.env.TZ = "UTC"; // the shot files were written with TZ=UTC

/**
 * Data of the same kind as ../shared with other values (`scripts/variant-fixtures.py`: other
 * sequence ids, a recording cut before its last sequence, a live file whose WAL restarted over
 * older frames and holds an open transaction's pages): the recorder still writes pyDE1's rows,
 * the legacy shot files still match pyDE1's byte for byte, and the WAL reader still sees what
 * native SQLite sees. The script only reads ../shared; its copy goes to a scratch folder.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { legacyShotFile } from "../../src/export/legacy-shot";
import { applyWal } from "../../src/store/wal";
import { ALL_TABLES } from "../../src/catalog";
import { RECORDINGS, ROOT, SHARED, scratch } from "../support/paths";
import { sqlite3 } from "../support/cli";
import { expectRecordedAsPyde1, readRecording } from "./expected";

const variant = join(scratch("pyde1-variant-"), "shared");
const fixtures = join(variant, "fixtures");
let recordings: string[] = [];

beforeAll(() => {
  execFileSync("python3", [join(ROOT, "scripts/variant-fixtures.py"), "--from", SHARED, variant], { encoding: "utf8" });
  recordings = readdirSync(join(fixtures, "recordings")).sort();
}, 60_000);
// the script leaves its copy read-only, as ../shared is; writable again so the scratch folder can go
afterAll(() => execFileSync("chmod", ["-R", "u+w", variant]));

describe("a variant of the fixtures (other values of the same kind)", () => {
  it("holds two recordings more than ../shared, and none of its sequence ids", () => {
    expect(recordings).toEqual(expect.arrayContaining(RECORDINGS));
    expect(recordings).toHaveLength(RECORDINGS.length + 2);
    const idsIn = (names: string[], root?: string) => names.flatMap((n) => Object.keys(readRecording(n, root).manifest.sequences));
    const shared = idsIn(RECORDINGS);
    const ours = idsIn(recordings, fixtures);
    expect(ours.length).toBeGreaterThan(shared.length);
    for (const id of ours) expect(shared).not.toContain(id);
  });

  it("recording each capture gives the database pyDE1 wrote, every sequence closed complete", async () => {
    for (const name of recordings) await expectRecordedAsPyde1(readRecording(name, fixtures));
  });

  it("the legacy shot files match pyDE1's byte for byte", async () => {
    const SQL = await initSqlJs();
    let compared = 0;
    for (const name of recordings) {
      const dir = join(fixtures, "recordings", name);
      const shots = existsSync(join(dir, "shots")) ? readdirSync(join(dir, "shots")) : [];
      const db = new SQL.Database(applyWal(readFileSync(join(dir, "expected.sqlite3"))).bytes);
      for (const file of shots) {
        expect(legacyShotFile(db, file.replace(/\.shot$/, "")), `${name}/${file}`).toBe(readFileSync(join(dir, "shots", file), "utf8"));
        compared++;
      }
      db.close();
    }
    expect(compared).toBeGreaterThan(0);
  });

  it("the live file: a restarted WAL with stale frames and an open transaction reads as native SQLite reads it", async () => {
    const SQL = await initSqlJs();
    const live = join(fixtures, "live-wal", "pyde1.sqlite3");
    const result = applyWal(readFileSync(live), readFileSync(`${live}-wal`));
    expect(result.outcome).toBe("applied");
    expect(result.framesIgnored).toBeGreaterThan(0); // the stale and uncommitted frames
    const copy = join(scratch(), "copy.sqlite3");
    copyFileSync(live, copy);
    copyFileSync(`${live}-wal`, `${copy}-wal`);
    const theirs = (sql: string) => sqlite3(copy, sql);
    const ours = (sql: string) => {
      const db = new SQL.Database(result.bytes);
      try {
        return db.exec(sql)[0]!.values.map((r) => r.join("|")).join("\n");
      } finally {
        db.close();
      }
    };
    for (const t of ALL_TABLES) expect(ours(`SELECT count(*) FROM ${t}`), t).toBe(theirs(`SELECT count(*) FROM ${t}`));
    const ids = "SELECT id FROM sequence ORDER BY id";
    expect(ours(ids)).toBe(theirs(ids));
  });
});
