import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { NOTIFICATION_TABLES } from "../../src/catalog";
import { ASSUMED_RECORDING, FIXTURES, RECORDINGS, scratch, SHOTS_RECORDING } from "../support/paths";
import { cli, sqlite3 } from "../support/cli";
import { copyDatabase } from "../support/copy-db";

const recording = (name: string) => join(FIXTURES, "recordings", name);

/** A scratch copy of a recording's database (with its -wal when it has one), named after it. */
const copyOf = (rec: string, dir = scratch()) => copyDatabase(join(recording(rec), "expected.sqlite3"), dir, `${rec}.sqlite3`);

/** Sequence ids (not 'dummy'), sorted; with `finished`, only those with an end_sequence. */
const ids = (file: string, finished = false) =>
  sqlite3(file, `SELECT id FROM sequence WHERE id <> 'dummy'${finished ? " AND end_sequence IS NOT NULL" : ""} ORDER BY id`).split("\n").filter(Boolean);

/**
 * The rows of the given sequences in every recorded table, as the native sqlite3 prints them with
 * quote() (storage classes show: 1.0 against 1, '1' against 1), in rowid order within each table.
 */
function rowsOf(file: string, sequenceIds: string[], table: string): string {
  const cols = sqlite3(file, `SELECT group_concat('quote("' || name || '")', ' || ''|'' || ') FROM pragma_table_info('${table}')`);
  const key = table === "sequence" ? "id" : "sequence_id";
  const list = sequenceIds.map((id) => `'${id}'`).join(", ");
  return sqlite3(file, `SELECT ${cols} FROM ${table} WHERE ${key} IN (${list}) ORDER BY ${key}, rowid`);
}

/** Every byte of every file in a folder, to show something was not written. */
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString("base64")]));

describe("import", () => {
  it("copies every recording's sequences into one file, row for row, with their profiles; the sources are not written", () => {
    const sources = scratch();
    const files = RECORDINGS.map((r) => copyOf(r, sources));
    const before = snapshot(sources);
    const db = join(scratch(), "mine.sqlite3");
    for (const from of files) {
      const r = cli(["import", "--from", from, "--db", db]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const copying = Number(/^copying (\d+) sequences? from /.exec(r.stdout)![1]);
      if (copying > 0) expect(r.stdout).toContain(`import verified: ${copying} sequence${copying === 1 ? " and its" : "s and their"} rows are in ${db}`);
      else expect(r.stdout).not.toContain("import verified"); // all of them already there (a recording copied under another name)
    }
    expect(snapshot(sources)).toEqual(before); // -wal files included: read, never written or checkpointed
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    // recordings may share sequences (one copied under another name): each is there once
    const all = new Set(files.flatMap((f) => ids(f, true)));
    expect(all.size).toBeGreaterThanOrEqual(5);
    expect(ids(db)).toEqual([...all].sort());
    for (const from of files) {
      const own = ids(from, true);
      for (const table of ["sequence", ...NOTIFICATION_TABLES]) expect(rowsOf(db, own, table), `${from} ${table}`).toBe(rowsOf(from, own, table));
      const profiles = sqlite3(from, "SELECT DISTINCT profile_id FROM sequence WHERE id <> 'dummy'").split("\n");
      for (const p of profiles) {
        const row = `SELECT id, hex(source), fingerprint, title FROM profile WHERE id = '${p}'`;
        expect(sqlite3(db, row)).toBe(sqlite3(from, row));
      }
    }
  });

  it("the imported shots export as pyDE1's own shot files, byte for byte", () => {
    const db = join(scratch(), "mine.sqlite3");
    let compared = 0;
    for (const rec of RECORDINGS) {
      expect(cli(["import", "--from", copyOf(rec), "--db", db]).code).toBe(0);
      const shots = join(recording(rec), "shots");
      for (const f of existsSync(shots) ? readdirSync(shots) : []) {
        const r = cli(["export", "--db", db, "--sequence", f.replace(/\.shot$/, ""), "--format", "legacy"], { TZ: "UTC" });
        expect(r.code).toBe(0);
        expect(Buffer.compare(Buffer.from(r.stdout, "utf8"), readFileSync(join(shots, f))), `${rec}/${f}`).toBe(0);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(5);
  });

  it("leaves out sequences already there and ones not finished; run again, it copies what finished since, and with nothing new it does not even save", () => {
    const from = copyOf(SHOTS_RECORDING);
    const [open, ...finished] = sqlite3(from, "SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence DESC").split("\n");
    sqlite3(from, `PRAGMA journal_mode=DELETE; UPDATE sequence SET end_sequence = NULL WHERE id = '${open}';`);
    const dir = scratch();
    const db = join(dir, "mine.sqlite3");
    const first = cli(["import", "--from", from, "--db", db]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`copying ${finished.length} sequences from ${from} into ${db} (left out: 1 not finished in ${from})`);
    expect(ids(db)).toEqual([...finished].sort());
    sqlite3(from, `UPDATE sequence SET end_sequence = end_flow + 5 WHERE id = '${open}';`);
    const mtime = statSync(db).mtimeMs;
    const second = cli(["import", "--from", from, "--db", db]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`copying 1 sequence from ${from} into ${db} (left out: ${finished.length} already in ${db})`);
    expect(ids(db)).toContain(open);
    expect(statSync(db).mtimeMs).not.toBe(mtime);
    const now = readFileSync(db);
    const third = cli(["import", "--from", from, "--db", db]);
    expect(third.code).toBe(0);
    expect(third.stdout.trim()).toBe(`copying 0 sequences from ${from} into ${db} (left out: ${finished.length + 1} already in ${db})`);
    expect(Buffer.compare(readFileSync(db), now)).toBe(0); // nothing to copy: not even saved
  });

  it("names the sequences FILE holds only partly; --replace-partial replaces just those with OTHER's whole copy", () => {
    const from = copyOf(SHOTS_RECORDING);
    const db = copyOf(SHOTS_RECORDING);
    const [a, b, c] = ids(from, true);
    expect(c).toBeDefined();
    const first = (table: string, id: string, n: number) => `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE sequence_id = '${id}' ORDER BY rowid LIMIT ${n});`;
    // a: FILE's recorder started in the middle of the shot; b: FILE's copy never finished;
    // c: each file has rows the other lacks, so neither is the partial one
    sqlite3(db, `PRAGMA journal_mode=DELETE; ${first("shot_sample_with_volume_update", a!, 10)} ${first("weight_and_flow_update", a!, 20)} UPDATE sequence SET end_sequence = NULL WHERE id = '${b}'; ${first("shot_sample_with_volume_update", c!, 5)}`);
    sqlite3(from, `PRAGMA journal_mode=DELETE; ${first("weight_and_flow_update", c!, 5)}`);
    const held = ids(db).length;
    const before = readFileSync(db);
    const cRows = (file: string) => ["sequence", ...NOTIFICATION_TABLES].map((t) => rowsOf(file, [c!], t)).join("\n");
    const cBefore = cRows(db);

    const dry = cli(["import", "--from", from, "--db", db, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would copy 0 sequences from ${from} into ${db} (left out: ${held} already in ${db}, 2 of them held only partly (see --replace-partial))`);
    const listed = dry.stdout.split("held only partly in")[1] ?? "";
    expect(listed).toContain(a);
    expect(listed).toContain(b);
    expect(listed).not.toContain(c);
    const plain = cli(["import", "--from", from, "--db", db]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("2 of them held only partly (see --replace-partial)");
    expect(Buffer.compare(readFileSync(db), before)).toBe(0); // nothing copied, nothing saved

    const r = cli(["import", "--from", from, "--db", db, "--replace-partial"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`copying 2 sequences from ${from} into ${db}, 2 of them replacing partial copies (left out: ${held - 2} already in ${db})`);
    expect(r.stdout).toContain("import verified: 2 sequences and their rows are in");
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(ids(db).length).toBe(held);
    for (const table of ["sequence", ...NOTIFICATION_TABLES]) expect(rowsOf(db, [a!, b!], table), table).toBe(rowsOf(from, [a!, b!], table));
    expect(cRows(db)).toBe(cBefore); // left as FILE had it
    const again = cli(["import", "--from", from, "--db", db, "--replace-partial"]);
    expect(again.stdout.trim()).toBe(`copying 0 sequences from ${from} into ${db} (left out: ${held} already in ${db})`);
  });

  it("brings archived sequences back: archive, then import from the archive, gives the rows it had", () => {
    const dir = scratch();
    const db = join(dir, "pyde1.sqlite3");
    expect(cli(["import", "--from", copyOf(SHOTS_RECORDING), "--db", db]).code).toBe(0);
    const all = ids(db);
    const tables = Object.fromEntries(["sequence", ...NOTIFICATION_TABLES].map((t) => [t, rowsOf(db, all, t)]));
    const archive = join(dir, "archive.sqlite3");
    expect(cli(["archive", "--db", db, "--before", "2999-01-01", "--to", archive]).code).toBe(0);
    expect(ids(db)).toEqual([]);
    const back = cli(["import", "--from", archive, "--db", db]);
    expect(back.code).toBe(0);
    expect(ids(db)).toEqual(all);
    for (const [t, rows] of Object.entries(tables)) expect(rowsOf(db, all, t), t).toBe(rows);
  });

  it("--dry-run lists what would be copied and writes nothing, not even a new file", () => {
    const from = copyOf(ASSUMED_RECORDING);
    const dir = scratch();
    const db = join(dir, "mine.sqlite3");
    const r = cli(["import", "--from", from, "--db", db, "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`would copy ${ids(from).length} sequences`);
    for (const id of ids(from)) expect(r.stdout).toContain(id);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses, changing nothing: a file the recorder holds, a file with a -wal, a source that is not pyDE1's, the same file twice", async () => {
    const from = copyOf(SHOTS_RECORDING);
    const dir = scratch();
    const db = join(dir, "mine.sqlite3");
    expect(cli(["import", "--from", copyOf(ASSUMED_RECORDING), "--db", db]).code).toBe(0);
    const holder = spawn("sleep", ["30"]);
    try {
      const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
      writeFileSync(`${db}.lock`, `${holder.pid} ${boot}\n`);
      const before = snapshot(dir);
      const locked = cli(["import", "--from", from, "--db", db]);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toMatch(new RegExp(`already open for writing by pyde1-store process ${holder.pid}\\. Stop that process first`));
      expect(snapshot(dir)).toEqual(before);
    } finally {
      holder.kill();
    }
    writeFileSync(`${db}.lock`, "");
    writeFileSync(`${db}-wal`, "");
    const before = snapshot(dir);
    const wal = cli(["import", "--from", from, "--db", db]);
    expect(wal.code).toBe(1);
    expect(wal.stderr).toMatch(/a -wal file is beside it.*pyDE1 or another SQLite writer may own this file/);
    expect(snapshot(dir)).toEqual(before);
    const other = join(scratch(), "notes.sqlite3");
    sqlite3(other, "CREATE TABLE notes (t TEXT);");
    const notPyde1 = cli(["import", "--from", other, "--db", join(scratch(), "x.sqlite3")]);
    expect(notPyde1.code).toBe(1);
    expect(notPyde1.stderr).toMatch(/notes\.sqlite3: an SQLite database without pyDE1's tables/);
    const same = cli(["import", "--from", from, "--db", from]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--from must be another file than --db/);
  });

  it("takes pyDE1's empty databases of every schema version as sources (nothing to copy)", () => {
    for (const f of readdirSync(join(FIXTURES, "schemas")).filter((n) => n.endsWith(".sqlite3"))) {
      const from = copyDatabase(join(FIXTURES, "schemas", f), scratch(), f);
      const db = join(scratch(), "mine.sqlite3");
      const r = cli(["import", "--from", from, "--db", db]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(`copying 0 sequences from ${from} into ${db}`);
    }
  });
});
