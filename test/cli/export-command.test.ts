import { describe, expect, it } from "vitest";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { FIXTURES, NO_PROFILE_RECORDING, RECORDINGS, SHOTS_RECORDING, scratch } from "../support/paths";
import { cli, sqlite3 } from "../support/cli";
import { copyDatabase } from "../support/copy-db";
import { jsonShotFile } from "../../src/export/json-shot";
import { shotCsv } from "../../src/export/csv";
import { applyWal } from "../../src/store/wal";

const recording = (name: string) => join(FIXTURES, "recordings", name);

/** A writable scratch copy of a recording's database (fixtures are read-only). */
function copyRecording(name: string): { dir: string; db: string } {
  const dir = scratch();
  const db = copyDatabase(join(recording(name), "expected.sqlite3"), dir);
  chmodSync(db, 0o644);
  return { dir, db };
}

/** Every (recording, .shot file) pair in the fixtures, listed now. */
const SHOTS = RECORDINGS.flatMap((r) => {
  const dir = join(recording(r), "shots");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".shot")).map((f) => [r, f] as const) : [];
});

describe("export --format legacy", () => {
  it("the fixtures have .shot files to compare with", () => {
    expect(SHOTS.length).toBeGreaterThanOrEqual(5);
  });

  for (const [rec, file] of SHOTS) {
    it(`${rec}/${file}: stdout and -o equal pyDE1's file byte for byte (TZ=UTC)`, () => {
      const { dir, db } = copyRecording(rec);
      const expected = readFileSync(join(recording(rec), "shots", file));
      const id = file.replace(/\.shot$/, "");
      const r = cli(["export", "--db", db, "--sequence", id, "--format", "legacy"], { TZ: "UTC" });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(Buffer.compare(Buffer.from(r.stdout, "utf8"), expected)).toBe(0);
      const out = join(dir, "out.shot");
      expect(cli(["export", "--db", db, "--sequence", id, "--format", "legacy", "-o", out], { TZ: "UTC" }).code).toBe(0);
      expect(Buffer.compare(readFileSync(out), expected)).toBe(0);
    });
  }

  it("follows TZ in local_time", () => {
    const { db } = copyRecording(SHOTS_RECORDING);
    const localTime = (TZ: string) => {
      const r = cli(["export", "--db", db, "--sequence", "latest", "--format", "legacy"], { TZ });
      expect(r.code).toBe(0);
      return /\nlocal_time \{([^}]+)\}\n/.exec(r.stdout)![1]!;
    };
    const utc = localTime("UTC");
    const pacific = localTime("America/Los_Angeles");
    expect(utc).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/);
    expect(pacific).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d -0[78]00$/);
    expect(Date.parse(pacific)).toBe(Date.parse(utc)); // the same moment, written in each zone
  });

  it("latest is the newest Espresso sequence, and a sequence pyDE1 cannot export (dummy profile) still exports", () => {
    const { db } = copyRecording(NO_PROFILE_RECORDING);
    const newest = sqlite3(db, "SELECT id FROM sequence WHERE active_state = 'Espresso' ORDER BY start_sequence DESC LIMIT 1");
    const r = cli(["export", "--db", db, "--sequence", "latest", "--format", "legacy"], { TZ: "UTC" });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`sequence_id ${newest}\n`)).toBe(true);
    expect(r.stdout).toContain("\n\tprofile_title {}\n");
  });
});

describe("export --format json|csv", () => {
  it("writes what the library exporters produce, for every sequence", async () => {
    const { db } = copyRecording(SHOTS_RECORDING);
    const SQL = await initSqlJs();
    const mem = new SQL.Database(applyWal(readFileSync(db)).bytes);
    for (const id of sqlite3(db, "SELECT id FROM sequence WHERE id <> 'dummy'").split("\n")) {
      const json = cli(["export", "--db", db, "--sequence", id, "--format", "json"]);
      expect(json.code).toBe(0);
      expect(json.stdout).toBe(jsonShotFile(mem, id));
      expect(JSON.parse(json.stdout).meta).toBeDefined();
      const csv = cli(["export", "--db", db, "--sequence", id, "--format", "csv"]);
      expect(csv.code).toBe(0);
      expect(csv.stdout).toBe(shotCsv(mem, id));
      expect(csv.stdout.split("\n")[0]).toMatch(/^elapsed/);
    }
    mem.close();
  });

  it("reads a live pyDE1 file with its -wal applied (the newest shot exists only there) and writes nothing", () => {
    const dir = scratch();
    const db = copyDatabase(join(FIXTURES, "live-wal/pyde1.sqlite3"), dir);
    const before = [readFileSync(db), readFileSync(`${db}-wal`)];
    const walOnly = sqlite3(db, "SELECT id FROM sequence ORDER BY start_sequence DESC LIMIT 1");
    // sqlite3 above read through the -wal; put the files back exactly as they were
    writeFileSync(db, before[0]);
    writeFileSync(`${db}-wal`, before[1]);
    for (const f of readdirSync(dir)) if (f.endsWith("-shm")) throw new Error("unexpected -shm");
    const r = cli(["export", "--db", db, "--sequence", walOnly, "--format", "csv", "--partial"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n").length).toBeGreaterThan(10);
    expect(Buffer.compare(readFileSync(db), before[0])).toBe(0);
    expect(Buffer.compare(readFileSync(`${db}-wal`), before[1])).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["pyde1.sqlite3", "pyde1.sqlite3-wal"]);
  });
});

describe("export errors: one line naming the file, the problem and the fix", () => {
  it("an unknown sequence", () => {
    const { db } = copyRecording(SHOTS_RECORDING);
    const r = cli(["export", "--db", db, "--sequence", "no-such-id", "--format", "legacy"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(db);
    expect(r.stderr).toMatch(/sequence 'no-such-id' is not in this database.*--sequence latest/);
  });

  it("an incomplete sequence, suggesting --partial; --partial exports it", () => {
    const { dir, db } = copyRecording(SHOTS_RECORDING);
    const id = sqlite3(db, "SELECT id FROM sequence WHERE active_state = 'Espresso' ORDER BY start_sequence DESC LIMIT 1");
    sqlite3(db, `PRAGMA journal_mode=DELETE; UPDATE sequence SET end_flow = NULL, end_sequence = NULL WHERE id = '${id}';`);
    const out = join(dir, "shot.txt");
    writeFileSync(out, "keep me");
    for (const format of ["legacy", "json", "csv"]) {
      const r = cli(["export", "--db", db, "--sequence", id, "--format", format, "-o", out]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(db);
      expect(r.stderr).toMatch(/not complete \(end_flow, end_sequence empty.*add --partial/);
      expect(readFileSync(out, "utf8")).toBe("keep me");
    }
    const partial = cli(["export", "--db", db, "--sequence", id, "--format", "legacy", "--partial", "-o", out]);
    expect(partial.code).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(new RegExp(`^sequence_id ${id}\n`));
  });

  const destinations: [string, (dir: string) => string, RegExp][] = [
    ["into a missing folder", (dir) => join(dir, "missing", "shot.txt"), /folder .*missing does not exist\. Create it first/],
    [
      "into a read-only folder",
      (dir) => {
        const ro = join(dir, "ro");
        mkdirSync(ro);
        chmodSync(ro, 0o555);
        return join(ro, "shot.txt");
      },
      /folder .*ro is read-only|permission denied/,
    ],
    ["onto a folder", (dir) => mkdirSync(join(dir, "isdir"), { recursive: true }) ?? join(dir, "isdir"), /is a folder/],
  ];
  for (const [what, make, message] of destinations) {
    it(`an unwritable destination: ${what}, with nothing half-written`, () => {
      const { dir, db } = copyRecording(SHOTS_RECORDING);
      const out = make(dir);
      const r = cli(["export", "--db", db, "--sequence", "latest", "--format", "legacy", "-o", out]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(out);
      expect(r.stderr).toMatch(message);
      const leftovers = (d: string): string[] =>
        readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? leftovers(join(d, e.name)) : [e.name]));
      expect(leftovers(dir).filter((f) => f.includes(".tmp-") || f === "shot.txt")).toEqual([]);
    });
  }

  it("a bad --format is a usage error (exit 2)", () => {
    const { db } = copyRecording(SHOTS_RECORDING);
    const r = cli(["export", "--db", db, "--sequence", "latest", "--format", "xml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format must be legacy, json or csv/);
  });
});

describe("help", () => {
  it("every command of this group explains itself, Usage line first", () => {
    for (const c of ["export", "backup", "archive", "replay", "upload"]) {
      const r = cli([c, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout.startsWith(`Usage: pyde1-store ${c} `)).toBe(true);
    }
  });
});
