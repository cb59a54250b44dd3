import { describe, expect, it } from "vitest";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
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

describe("export --all: every sequence of a kind into a folder", () => {
  /** The complete sequences of `state` (every one when undefined), by the real sqlite3 CLI. */
  const completeIds = (db: string, state?: string): string[] => {
    const where = state ? ` AND active_state = '${state}'` : "";
    const out = sqlite3(db, `SELECT id FROM sequence WHERE id <> 'dummy' AND end_flow IS NOT NULL AND end_sequence IS NOT NULL${where}`);
    return out === "" ? [] : out.split("\n");
  };
  const files = (dir: string) => readdirSync(dir).sort();

  it("writes pyDE1's legacy shot file of each Espresso sequence, byte for byte, and leaves the database as it was", () => {
    let compared = 0;
    for (const rec of RECORDINGS) {
      const { dir, db } = copyRecording(rec);
      const before = readFileSync(db);
      const out = join(dir, "shots");
      mkdirSync(out);
      const ids = completeIds(db, "Espresso");
      const r = cli(["export", "--db", db, "--all", "--to", out, "--format", "legacy"], { TZ: "UTC" });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(`wrote ${ids.length} legacy shot file${ids.length === 1 ? "" : "s"} to ${out}`);
      expect(files(out)).toEqual(ids.map((id) => `${id}.shot`).sort());
      const pyde1 = join(recording(rec), "shots");
      for (const f of existsSync(pyde1) ? readdirSync(pyde1) : []) {
        if (!ids.includes(f.replace(/\.shot$/, ""))) continue;
        expect(Buffer.compare(readFileSync(join(out, f)), readFileSync(join(pyde1, f))), `${rec}/${f}`).toBe(0);
        compared++;
      }
      expect(Buffer.compare(readFileSync(db), before)).toBe(0);
    }
    expect(compared).toBeGreaterThanOrEqual(5);
  });

  it("json and csv files are what the library exporters make, one per sequence", async () => {
    const { dir, db } = copyRecording(SHOTS_RECORDING);
    const SQL = await initSqlJs();
    const mem = new SQL.Database(applyWal(readFileSync(db)).bytes);
    const ids = completeIds(db);
    for (const [format, make] of [
      ["json", jsonShotFile],
      ["csv", shotCsv],
    ] as const) {
      const out = join(dir, format);
      mkdirSync(out);
      const r = cli(["export", "--db", db, "--all", "--to", out, "--format", format, "--state", "all"]);
      expect(r.code).toBe(0);
      expect(files(out)).toEqual(ids.map((id) => `${id}.${format}`).sort());
      for (const id of ids) expect(readFileSync(join(out, `${id}.${format}`), "utf8")).toBe(make(mem, id));
    }
    mem.close();
  });

  it("run again, it writes only what is new; --overwrite writes everything again", () => {
    const { dir, db } = copyRecording(SHOTS_RECORDING);
    const out = join(dir, "shots");
    mkdirSync(out);
    const args = ["export", "--db", db, "--all", "--to", out, "--format", "legacy"];
    expect(cli(args, { TZ: "UTC" }).code).toBe(0);
    const [first, ...rest] = files(out);
    const kept = rest.map((f) => statSync(join(out, f), { bigint: true }));
    const content = rest.map((f) => readFileSync(join(out, f)));
    unlinkSync(join(out, first!));
    const again = cli(args, { TZ: "UTC" });
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`wrote 1 legacy shot file to ${out}; ${rest.length} already there (--overwrite writes them again)`);
    expect(files(out)).toHaveLength(rest.length + 1);
    rest.forEach((f, i) => {
      const now = statSync(join(out, f), { bigint: true });
      expect([now.ino, now.mtimeNs]).toEqual([kept[i]!.ino, kept[i]!.mtimeNs]);
    });
    writeFileSync(join(out, rest[0]!), "an old, edited copy");
    const over = cli([...args, "--overwrite"], { TZ: "UTC" });
    expect(over.code).toBe(0);
    expect(over.stdout.trim()).toBe(`wrote ${rest.length + 1} legacy shot files to ${out}`);
    expect(Buffer.compare(readFileSync(join(out, rest[0]!)), content[0]!)).toBe(0);
  });

  it("--state picks the kind (Espresso by default); a sequence not complete is skipped unless --partial", () => {
    const { dir, db } = copyRecording(SHOTS_RECORDING);
    const [steam, open, ...others] = completeIds(db, "Espresso");
    expect(others.length).toBeGreaterThan(0);
    sqlite3(db, `PRAGMA journal_mode=DELETE; UPDATE sequence SET active_state = 'Steam' WHERE id = '${steam}'; UPDATE sequence SET end_flow = NULL, end_sequence = NULL WHERE id = '${open}';`);
    const out = join(dir, "out");
    mkdirSync(out);
    const base = ["export", "--db", db, "--all", "--to", out, "--format", "csv"];
    const espresso = cli(base);
    expect(espresso.code).toBe(0);
    expect(espresso.stdout.trim()).toBe(`wrote ${others.length} CSV file${others.length === 1 ? "" : "s"} to ${out}; 1 not complete, skipped (--partial includes it)`);
    expect(files(out)).toEqual(others.map((id) => `${id}.csv`).sort());
    const partial = cli([...base, "--partial"]);
    expect(partial.code).toBe(0);
    expect(files(out)).toEqual([...others, open!].map((id) => `${id}.csv`).sort());
    const steamOnly = cli([...base, "--state", "steam"]);
    expect(steamOnly.code).toBe(0);
    expect(steamOnly.stdout.trim()).toBe(`wrote 1 CSV file to ${out}`);
    expect(existsSync(join(out, `${steam}.csv`))).toBe(true);
    const none = cli([...base, "--state", "HotWater"]);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/holds no HotWater sequences; nothing to export/);
    const bad = cli([...base, "--state", "Latte"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--state must be one of Espresso, Steam, HotWater, HotWaterRinse or all, not 'Latte'/);
  });

  it("ids that are not safe file names stay inside the folder; a clash is named, the rest written, exit 1", () => {
    const { dir, db } = copyRecording(SHOTS_RECORDING);
    const [a, b, ...rest] = completeIds(db, "Espresso");
    const tables = sqlite3(db, "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = 'sequence_id'").split("\n");
    const rename = (from: string, to: string) =>
      [`UPDATE sequence SET id = '${to}' WHERE id = '${from}';`, ...tables.map((t) => `UPDATE ${t} SET sequence_id = '${to}' WHERE sequence_id = '${from}';`)].join(" ");
    // ../x/y: slashes become _, so the file is ".._x_y.shot" in the folder; x_y/.._x_y clash after that
    sqlite3(db, `PRAGMA journal_mode=DELETE; ${rename(a!, "../x/y")} ${rename(b!, ".._x_y")}`);
    const out = join(dir, "out");
    mkdirSync(out);
    const r = cli(["export", "--db", db, "--all", "--to", out, "--format", "legacy"], { TZ: "UTC" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(db);
    expect(r.stderr).toMatch(/its file name \.\._x_y\.shot is also sequence '.*''s\. Export it alone: --sequence/);
    expect(r.stdout.trim()).toBe(`wrote ${rest.length + 1} legacy shot files to ${out}; 1 failed (above)`);
    expect(files(out)).toEqual([".._x_y.shot", ...rest.map((id) => `${id}.shot`)].sort());
    expect(readdirSync(dir).sort()).toEqual(["out", "pyde1.sqlite3"]); // nothing written beside the folder
  });

  it("a write that fails ends the run, names the file and keeps the files written before it", () => {
    const { dir, db } = copyRecording(SHOTS_RECORDING);
    const ids = completeIds(db, "Espresso");
    const newest = sqlite3(db, "SELECT id FROM sequence WHERE active_state = 'Espresso' ORDER BY start_sequence DESC LIMIT 1");
    const out = join(dir, "out");
    mkdirSync(join(out, `${newest}.shot`), { recursive: true }); // a folder where the newest's file goes
    const r = cli(["export", "--db", db, "--all", "--to", out, "--format", "legacy", "--overwrite"], { TZ: "UTC" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(join(out, `${newest}.shot`));
    expect(r.stderr).toMatch(new RegExp(`is a folder.*The ${ids.length - 1} legacy shot files? written before it are complete and kept; run the command again`));
    expect(files(out).filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(files(out)).toHaveLength(ids.length);
  });

  const refusals: [string, (dir: string, db: string) => string[], number, RegExp][] = [
    ["--all without --to", (_d, db) => ["--db", db, "--all", "--format", "legacy"], 2, /--all needs --to DIR/],
    ["--all with --sequence", (d, db) => ["--db", db, "--all", "--to", d, "--sequence", "latest", "--format", "legacy"], 2, /--all exports every sequence and --sequence one/],
    ["--all with -o", (d, db) => ["--db", db, "--all", "--to", d, "-o", join(d, "x"), "--format", "legacy"], 2, /name their folder with --to DIR, not -o/],
    ["--to without --all", (d, db) => ["--db", db, "--sequence", "latest", "--to", d, "--format", "legacy"], 2, /--to goes with --all/],
    ["--overwrite without --all", (_d, db) => ["--db", db, "--sequence", "latest", "--overwrite", "--format", "legacy"], 2, /--overwrite goes with --all/],
    ["a bad --format", (d, db) => ["--db", db, "--all", "--to", d, "--format", "xml"], 2, /--format must be legacy, json or csv, not 'xml'/],
    ["a folder that does not exist", (d, db) => ["--db", db, "--all", "--to", join(d, "nope"), "--format", "legacy"], 1, /nope: no such folder\. Create it first \(mkdir -p .*nope\)/],
    ["a file as the folder", (_d, db) => ["--db", db, "--all", "--to", db, "--format", "legacy"], 1, /is a file, not a folder\. Name a folder with --to/],
    [
      "a read-only folder",
      (d, db) => {
        const ro = join(d, "ro");
        mkdirSync(ro);
        chmodSync(ro, 0o555);
        return ["--db", db, "--all", "--to", ro, "--format", "legacy"];
      },
      1,
      /ro: cannot write there: the folder is read-only/,
    ],
  ];
  for (const [what, make, code, message] of refusals) {
    it(`refuses ${what} in one line (exit ${code}), writing nothing`, () => {
      const { dir, db } = copyRecording(SHOTS_RECORDING);
      const before = readdirSync(dir).sort();
      const dbBytes = readFileSync(db);
      const r = cli(["export", ...make(dir, db)]);
      expect(r.code).toBe(code);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
      if (code === 1) expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(readdirSync(dir).filter((f) => f !== "ro").sort()).toEqual(before);
      if (existsSync(join(dir, "ro"))) expect(readdirSync(join(dir, "ro"))).toEqual([]);
      expect(Buffer.compare(readFileSync(db), dbBytes)).toBe(0);
    });
  }
});
