import { describe, expect, it } from "vitest";
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import initSqlJs from "sql.js";
import { ALL_TABLES } from "../../src/catalog";
import { Store } from "../../src/store/store";
import { applyWal } from "../../src/store/wal";
import { backupStore } from "../../src/export/backup-file";
import { FIXTURES, scratch, sequenceIdsOf, SHOTS_RECORDING } from "../support/paths";
import { cli, sqlite3 } from "../support/cli";
import { copyDatabase } from "../support/copy-db";
import { CliProcess } from "../support/recorder-process";

const NAME = /^pyde1\.\d{4}-\d\d-\d\d_\d{4}(-\d+)?\.sqlite3(\.gz)?$/;

/** Rows per table as the native sqlite3 sees them. */
const counts = (file: string) => Object.fromEntries(ALL_TABLES.map((t) => [t, sqlite3(file, `SELECT count(*) FROM ${t}`)]));

/** A live pyDE1 file (with its -wal) in a scratch folder, and what the native sqlite3 counts in a copy of both. */
function liveFile(): { dir: string; db: string; expected: Record<string, string>; before: Buffer[] } {
  const dir = scratch();
  const db = copyDatabase(join(FIXTURES, "live-wal/pyde1.sqlite3"), dir);
  const other = copyDatabase(join(FIXTURES, "live-wal/pyde1.sqlite3"), scratch());
  return { dir, db, expected: counts(other), before: [readFileSync(db), readFileSync(`${db}-wal`)] };
}

describe("backup", () => {
  it("snapshots a live file with its -wal applied into a rollback-journal copy the native sqlite3 checks ok", () => {
    const { dir, db, expected, before } = liveFile();
    const to = join(dir, "backups");
    mkdirSync(to);
    const r = cli(["backup", "--db", db, "--to", to]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const files = readdirSync(to);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(NAME);
    expect(files[0].endsWith(".sqlite3")).toBe(true);
    const copy = join(to, files[0]);
    expect(r.stdout).toContain(copy);
    expect(r.stdout).toContain("integrity_check ok");
    expect(sqlite3(copy, "PRAGMA integrity_check")).toBe("ok");
    expect(counts(copy)).toEqual(expected);
    // the newest rows exist only in the -wal: the main file alone holds fewer
    const mainOnly = join(scratch(), "main-only.sqlite3");
    copyFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3"), mainOnly);
    const total = (c: Record<string, string>) => Object.values(c).reduce((a, n) => a + Number(n), 0);
    expect(total(expected)).toBeGreaterThan(total(counts(mainOnly)));
    const bytes = readFileSync(copy);
    expect([bytes[18], bytes[19]]).toEqual([1, 1]);
    expect(readdirSync(to)).toEqual(files); // the native reads left no -wal/-shm: rollback-journal file
    expect(Buffer.compare(readFileSync(db), before[0])).toBe(0);
    expect(Buffer.compare(readFileSync(`${db}-wal`), before[1])).toBe(0);
  });

  it("--compress gzip writes .sqlite3.gz that decompresses to a sound database", () => {
    const { dir, db, expected } = liveFile();
    const r = cli(["backup", "--db", db, "--to", dir, "--compress", "gzip"]);
    expect(r.code).toBe(0);
    const gz = readdirSync(dir).filter((f) => f.endsWith(".gz"));
    expect(gz).toHaveLength(1);
    expect(gz[0]).toMatch(NAME);
    const plain = join(scratch(), "plain.sqlite3");
    const packed = readFileSync(join(dir, gz[0]));
    writeFileSync(plain, gunzipSync(packed));
    expect(packed.length).toBeLessThan(readFileSync(plain).length / 2);
    expect(sqlite3(plain, "PRAGMA integrity_check")).toBe("ok");
    expect(counts(plain)).toEqual(expected);
  });

  it("never overwrites: a taken name gets a -1, -2 suffix and the existing file keeps its content", () => {
    const { dir, db } = liveFile();
    const to = join(dir, "b");
    mkdirSync(to);
    // Occupy this minute's and the next minute's names.
    const pad = (n: number) => String(n).padStart(2, "0");
    for (const t of [Date.now(), Date.now() + 60_000]) {
      const d = new Date(t);
      writeFileSync(join(to, `pyde1.${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}${pad(d.getMinutes())}.sqlite3`), "keep me");
    }
    expect(cli(["backup", "--db", db, "--to", to]).code).toBe(0);
    expect(cli(["backup", "--db", db, "--to", to]).code).toBe(0);
    const files = readdirSync(to).sort();
    expect(files).toHaveLength(4);
    expect(files.filter((f) => readFileSync(join(to, f), "utf8") === "keep me")).toHaveLength(2);
    const made = files.filter((f) => /-\d+\.sqlite3$/.test(f));
    expect(made).toHaveLength(2);
    for (const f of made) expect(sqlite3(join(to, f), "PRAGMA integrity_check")).toBe("ok");
  });

  const bad: [string, (dir: string) => string, RegExp][] = [
    ["a missing folder", (dir) => join(dir, "nope"), /no such folder for backups\. Create it first/],
    [
      "a file where the folder should be",
      (dir) => {
        const file = join(dir, "backups");
        writeFileSync(file, "");
        return file;
      },
      /is a file, not a folder\. Give --to the folder the backups go in/,
    ],
    [
      "a read-only folder",
      (dir) => {
        const ro = join(dir, "ro");
        mkdirSync(ro);
        chmodSync(ro, 0o555);
        return ro;
      },
      /cannot write the backup there: .*(read-only|permission denied)/,
    ],
  ];
  for (const [what, make, message] of bad) {
    it(`refuses ${what} with one line naming it, writing nothing`, () => {
      const { dir, db } = liveFile();
      const to = make(dir);
      const r = cli(["backup", "--db", db, "--to", to]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(to);
      expect(r.stderr).toMatch(message);
      const made = what.includes("read-only") ? ["ro"] : what.includes("a file") ? ["backups"] : [];
      expect(readdirSync(dir).sort()).toEqual(["backups", "pyde1.sqlite3", "pyde1.sqlite3-wal", "ro"].filter((f) => f.startsWith("pyde1") || made.includes(f)));
    });
  }

  it("backupStore snapshots an in-memory Store (what a recorder holds), not the file", async () => {
    const SQL = await initSqlJs();
    const src = join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3");
    const store = Store.open(SQL, applyWal(readFileSync(src)).bytes, { file: src, upgrade: false });
    store.db.run("DELETE FROM weight_and_flow_update WHERE rowid % 2 = 0"); // a change only in memory
    const left = Number(store.db.exec("SELECT count(*) FROM weight_and_flow_update")[0].values[0][0]);
    const dir = scratch();
    const result = await backupStore(SQL, store, dir, { compress: "none", now: new Date(2024, 0, 2, 3, 4) });
    store.close();
    expect(result.path).toBe(join(dir, "pyde1.2024-01-02_0304.sqlite3"));
    expect(result.sequences).toBe(sequenceIdsOf(SHOTS_RECORDING).length);
    expect(sqlite3(result.path, "PRAGMA integrity_check")).toBe("ok");
    expect(sqlite3(result.path, "SELECT count(*) FROM weight_and_flow_update")).toBe(String(left));
    // the file itself still has them all (read from a copy: the sqlite3 CLI would add -wal/-shm beside a fixture)
    const file = copyDatabase(src, scratch());
    expect(Number(sqlite3(file, "SELECT count(*) FROM weight_and_flow_update"))).toBeGreaterThan(left);
  });
});

describe("a gzipped backup as --db", () => {
  it("read commands (list, info, export, serve's API) read the database it holds; commands that write refuse it and change nothing", async () => {
    const { dir, db } = liveFile();
    const r = cli(["backup", "--db", db, "--to", dir, "--compress", "gzip"]);
    expect(r.code).toBe(0);
    const gz = r.stdout.split("\n")[0]!;
    for (const args of [["list", "--json"], ["export", "--sequence", "latest", "--format", "legacy"]]) {
      const fromGz = cli([args[0]!, "--db", gz, ...args.slice(1)], { TZ: "UTC" });
      const fromFile = cli([args[0]!, "--db", db, ...args.slice(1)], { TZ: "UTC" });
      expect(fromGz.stderr).toBe("");
      expect(fromGz.code).toBe(0);
      expect(fromGz.stdout).toBe(fromFile.stdout);
    }
    const info = JSON.parse(cli(["info", "--db", gz, "--json"]).stdout);
    expect(info.tables).toEqual(JSON.parse(cli(["info", "--db", db, "--json"]).stdout).tables);
    const server = new CliProcess(["serve", "--db", gz, "--port", "0"]);
    try {
      for (const deadline = Date.now() + 20_000; !/serving http:/.test(server.stdout) && server.running && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      const url = /serving (http:\S+)/.exec(server.stdout)![1]!;
      const listed = (await (await fetch(`${url}api/sequences`)).json()) as { id: string }[];
      expect(listed.map((s) => s.id).sort()).toEqual(JSON.parse(cli(["list", "--db", db, "--json"]).stdout).map((s: { id: string }) => s.id).sort());
      const served = Buffer.from(await (await fetch(`${url}db`)).arrayBuffer());
      expect(served.subarray(0, 16).toString("latin1")).toBe("SQLite format 3\0");
    } finally {
      await server.signal("SIGTERM");
    }
    const before = readFileSync(gz);
    const files = readdirSync(dir).sort();
    const profile = join(scratch(), "p.json");
    writeFileSync(profile, "{}");
    for (const args of [
      ["migrate", "--db", gz],
      ["profile", "add", "--db", gz, profile],
      ["record", "--db", gz, "--from-capture", profile],
    ]) {
      const refused = cli(args);
      expect(refused.code, args.join(" ")).toBe(1);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
      expect(refused.stderr).toContain(`${gz}: a gzipped file (a backup?); commands that write take a database as it is. Unpack it (gunzip -k ${gz}), or put it back`);
    }
    expect(Buffer.compare(readFileSync(gz), before)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(files); // no lock, no temp file left
  });
});
