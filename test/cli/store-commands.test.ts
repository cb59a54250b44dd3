import { describe, expect, it } from "vitest";
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { FIXTURES, scratch, SHOTS_RECORDING } from "../support/paths";
import { cli, sqlite3 } from "../support/cli";
import { LiveFeed } from "../support/live-feed";
import { syntheticMessages } from "../support/streams";

const schemaFile = (n: string) => join(FIXTURES, "schemas", n);
/** How many of the three tables schema v3 added a file holds. */
const V3_TABLES_SQL = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('device_availability', 'scale_change', 'bluedot_update')";

describe("init", () => {
  it("creates a v3 database that the native sqlite3 reads, with a rollback-journal header", () => {
    const db = join(scratch(), "new.sqlite3");
    const r = cli(["init", "--db", db]);
    expect(r.code).toBe(0);
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(sqlite3(db, "PRAGMA user_version")).toBe("3");
    expect(sqlite3(db, "SELECT count(*) FROM sqlite_master WHERE type='table'")).toBe("16");
    const bytes = readFileSync(db);
    expect([bytes[18], bytes[19]]).toEqual([1, 1]);
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect(existsSync(`${db}.lock`)).toBe(false);
  });

  it("refuses an existing file and leaves it byte-identical", () => {
    const db = join(scratch(), "x.sqlite3");
    writeFileSync(db, "precious");
    const r = cli(["init", "--db", db]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(db);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(readFileSync(db, "utf8")).toBe("precious");
  });
});

describe("migrate", () => {
  for (const [name, from] of [
    ["pyde1-schema-001.sqlite3", 1],
    ["pyde1-schema-002.sqlite3", 2],
    ["pyde1-schema-003-as-shipped.sqlite3", 2],
  ] as const) {
    it(`upgrades ${name} to v3 after backing it up`, () => {
      const dir = scratch();
      const db = join(dir, "pyde1.sqlite3");
      copyFileSync(schemaFile(name), db);
      const original = readFileSync(db);
      const r = cli(["migrate", "--db", db]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`${from} → 3`);
      expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
      expect(sqlite3(db, "PRAGMA user_version")).toBe("3");
      expect(sqlite3(db, "SELECT group_concat(name) FROM pragma_table_info('connectivity_change')")).toBe(
        "sequence_id,version,sender,arrival_time,create_time,event_time,state,id,name",
      );
      const backups = readdirSync(dir).filter((f) => /^pyde1\.sqlite3\.\d{4}-\d\d-\d\d_\d{6}(-\d+)?\.backup$/.test(f));
      expect(backups).toHaveLength(1);
      expect(Buffer.compare(readFileSync(join(dir, backups[0])), original)).toBe(0);
      // a second run changes nothing and makes no new backup
      const again = cli(["migrate", "--db", db]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("already current");
      expect(readdirSync(dir).filter((f) => f.endsWith(".backup"))).toHaveLength(1);
    });
  }

  it("never overwrites an existing backup", () => {
    const dir = scratch();
    const db = join(dir, "p.sqlite3");
    copyFileSync(schemaFile("pyde1-schema-001.sqlite3"), db);
    // Pre-create backups for the current and next seconds so the stamp collides.
    const now = Date.now();
    const pad = (n: number) => String(n).padStart(2, "0");
    for (const t of [now, now + 1000, now + 2000]) {
      const d = new Date(t);
      const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
      writeFileSync(join(dir, `p.sqlite3.${stamp}.backup`), "keep me");
    }
    expect(cli(["migrate", "--db", db]).code).toBe(0);
    const backups = readdirSync(dir).filter((f) => f.endsWith(".backup"));
    expect(backups.filter((f) => readFileSync(join(dir, f), "utf8") === "keep me")).toHaveLength(3);
    expect(backups).toHaveLength(4);
  });

  const refusals: [string, (dir: string, db: string) => void, RegExp][] = [
    ["a file that is not SQLite", (_d, db) => writeFileSync(db, "not a database ".repeat(50)), /not an SQLite database/],
    [
      "SQLite without pyDE1's tables",
      (_d, db) => sqlite3(db, "CREATE TABLE notes(a); INSERT INTO notes VALUES (1);"),
      /without pyDE1's tables/,
    ],
    [
      "a newer schema version",
      (_d, db) => {
        copyFileSync(schemaFile("pyde1-schema-002.sqlite3"), db);
        sqlite3(db, "PRAGMA journal_mode=DELETE; PRAGMA user_version = 9;");
      },
      /schema version 9/,
    ],
    [
      "a file with a -wal beside it",
      (_d, db) => {
        copyFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3"), db);
        copyFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3-wal"), `${db}-wal`);
      },
      /-wal file is beside it.*another SQLite writer/,
    ],
  ];
  for (const [what, make, message] of refusals) {
    it(`refuses ${what}, naming the file, and leaves it byte-identical`, () => {
      const dir = scratch();
      const db = join(dir, "pyde1.sqlite3");
      make(dir, db);
      const before = readFileSync(db);
      const r = cli(["migrate", "--db", db]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(db);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(Buffer.compare(readFileSync(db), before)).toBe(0);
      expect(readdirSync(dir).filter((f) => f.endsWith(".backup") || f.includes(".tmp-") || f.endsWith(".lock"))).toEqual([]);
    });
  }
});

describe("info", () => {
  it("reads a live pyDE1 file with its -wal applied and writes nothing", () => {
    const dir = scratch();
    const db = join(dir, "pyde1.sqlite3");
    copyFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3"), db);
    copyFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3-wal"), `${db}-wal`);
    const before = [readFileSync(db), readFileSync(`${db}-wal`)];
    const r = cli(["info", "--db", db, "--json"]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.user_version).toBe(2);
    expect(info.bytes).toBe(before[0].length);
    expect(Object.keys(info.tables)).toHaveLength(16);
    expect(info.tables.sequence).toBeGreaterThan(1); // 'dummy' and the shots (the newest only in the -wal)
    // compare with what the native sqlite3 sees in a copy of both files
    const other = join(scratch(), "copy.sqlite3");
    copyFileSync(db, other);
    copyFileSync(`${db}-wal`, `${other}-wal`);
    for (const [t, n] of Object.entries(info.tables)) expect(sqlite3(other, `SELECT count(*) FROM ${t}`)).toBe(String(n));
    // pyDE1 2.0's file says user_version 2 but holds the v3 tables
    expect(sqlite3(other, V3_TABLES_SQL)).toBe("3");
    expect(info.schema_version).toBe(3);
    // who writes it: no recorder of ours; pyDE1's -wal, whose committed frames were applied
    expect(info.recorder_pid).toBeNull();
    const pageSize = readFileSync(db).readUInt16BE(16) || 65536;
    const frames = (before[1].length - 32) / (pageSize + 24);
    expect(info.wal_frames_applied).toBeGreaterThan(0);
    expect(info.wal_frames_applied).toBeLessThanOrEqual(frames);
    expect(info.unsaved_journal_events).toBe(0);
    expect(cli(["info", "--db", db]).stdout).toContain(
      `  writer       pyDE1 or another SQLite program (a -wal is beside it; ${info.wal_frames_applied} of its frames applied here)\n`,
    );
    expect(Buffer.compare(readFileSync(db), before[0])).toBe(0);
    expect(Buffer.compare(readFileSync(`${db}-wal`), before[1])).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["pyde1.sqlite3", "pyde1.sqlite3-wal"]);
  });

  it("tells the schema version by the tables: pyDE1's v1 and v2 files, and its v3 file that says 2", () => {
    for (const [name, user, tables] of [
      ["pyde1-schema-001.sqlite3", 1, 1],
      ["pyde1-schema-002.sqlite3", 2, 2],
      ["pyde1-schema-003-as-shipped.sqlite3", 2, 3],
    ] as const) {
      const db = join(scratch(), name);
      copyFileSync(schemaFile(name), db);
      expect(sqlite3(db, "PRAGMA user_version")).toBe(String(user));
      expect(sqlite3(db, V3_TABLES_SQL)).toBe(tables === 3 ? "3" : "0");
      const json = JSON.parse(cli(["info", "--db", db, "--json"]).stdout);
      expect([json.user_version, json.schema_version]).toEqual([user, tables]);
      const text = cli(["info", "--db", db]).stdout;
      if (user === tables) expect(text).toMatch(new RegExp(`user_version ${user}\n`));
      else expect(text).toContain(`user_version ${user} (schema v${tables}: pyDE1 2.0 writes 2 into its v3 files)`);
    }
  });

  it("prints a readable table without --json", () => {
    const db = join(scratch(), "a.sqlite3");
    cli(["init", "--db", db]);
    const r = cli(["info", "--db", db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/user_version 3/);
    expect(r.stdout).toMatch(/sequence\s+1/);
  });

  it("names the recorder writing the file and the journal's events not in the file yet, while it runs, after it dies, and after a clean stop", async () => {
    const db = join(scratch(), "mine.sqlite3");
    expect(cli(["init", "--db", db]).code).toBe(0);
    const journal = `${db}.journal`;
    const info = () => {
      const r = cli(["info", "--db", db, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      return { json: JSON.parse(r.stdout) as { recorder_pid: number | null; unsaved_journal_events: number }, text: cli(["info", "--db", db]).stdout };
    };
    const feed = await LiveFeed.start();
    try {
      // a shot saved, the next half-way: only in the journal
      const { rec: live } = await feed.recordIntoSecondShot(db, syntheticMessages({ shots: 2, seed: 29 }));
      const running = info();
      expect(running.json.recorder_pid).toBe(live.pid);
      expect(running.json.unsaved_journal_events).toBeGreaterThan(0);
      expect(running.text).toContain(`  writer       the pyde1-store recorder (process ${live.pid})\n`);
      expect(running.text).toContain(
        `  journal      ${running.json.unsaved_journal_events} events in ${journal} not in the file yet (the recorder saves them when the sequence ends)`,
      );
      await live.signal("SIGKILL");
      const dead = info();
      expect(dead.json.recorder_pid).toBeNull();
      expect(dead.json.unsaved_journal_events).toBe(running.json.unsaved_journal_events);
      expect(dead.text).toContain("  writer       none\n");
      expect(dead.text).toContain(`not in the file yet (the recorder is not running: its next start puts them in)`);
      const next = await feed.record(db);
      expect(await next.signal("SIGTERM")).toBe(0);
      const clean = info();
      expect(clean.json).toMatchObject({ recorder_pid: null, unsaved_journal_events: 0 });
      expect(clean.text).not.toContain("  journal ");
      expect(existsSync(journal)).toBe(true); // a journal is there, holding nothing the file lacks
    } finally {
      await feed.stop();
    }
  }, 90_000);

  it("a new file the recorder has not written yet: says so, naming the recorder, instead of 'no such file'", async () => {
    const db = join(scratch(), "new.sqlite3");
    const feed = await LiveFeed.start();
    try {
      const live = await feed.record(db);
      expect(existsSync(db)).toBe(false); // nothing recorded yet, nothing to save
      const r = cli(["info", "--db", db]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`${db}: not written yet: the recorder (pyde1-store process ${live.pid}) records into it and writes it at its first save`);
      expect(await live.signal("SIGTERM")).toBe(0);
    } finally {
      await feed.stop();
    }
    expect(existsSync(db)).toBe(true); // written as it stopped
    const after = cli(["info", "--db", db, "--json"]);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).recorder_pid).toBeNull();
  }, 60_000);

  it("fails with one line for a missing file", () => {
    const r = cli(["info", "--db", "/nonexistent/x.sqlite3"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/nonexistent\/x\.sqlite3: no such file/);
  });
});

describe("the command line", () => {
  it("gives help for every command and exits 2 on unknown options", () => {
    for (const c of ["init", "migrate", "info", "list", "record"]) {
      const r = cli([c, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: pyde1-store ${c}`);
    }
    const bad = cli(["info", "--nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--nope/);
  });

  it("record opens, auto-migrates with a backup, ingests an empty capture and saves", () => {
    const dir = scratch();
    const db = join(dir, "pyde1.sqlite3");
    copyFileSync(schemaFile("pyde1-schema-001.sqlite3"), db);
    const cap = join(dir, "empty.ndjson");
    writeFileSync(cap, "");
    const r = cli(["record", "--db", db, "--from-capture", cap]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/upgraded .*pyde1\.sqlite3 to schema v3; the original is at .*\.backup/);
    expect(r.stderr).toMatch(/0 events, 0 notifications accepted, 0 rejected, 0 sequences, 0 rows/);
    expect(sqlite3(db, "PRAGMA user_version")).toBe("3");
    expect(readdirSync(dir).filter((f) => f.endsWith(".backup"))).toHaveLength(1);
  });
});

describe("settings checked before anything is opened", () => {
  it("a broker or pyDE1 URL that is not one: exit 2, one line naming the setting and an example, no file made", () => {
    const dir = scratch();
    const db = join(dir, "new.sqlite3");
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [["--broker", "htp:/bad"], {}, /the broker \(--broker, PYDE1_STORE_BROKER or "broker" in the config file\) must be a URL such as mqtt:\/\/localhost:1883 .*not 'htp:\/bad'/],
      [["--broker", "localhost:1883"], {}, /must be a URL such as mqtt:\/\/localhost:1883 .*not 'localhost:1883'/],
      [["--broker", "mqtt://127.0.0.1:99999"], {}, /not 'mqtt:\/\/127\.0\.0\.1:99999'/],
      [[], { PYDE1_STORE_BROKER: "broker.local" }, /the broker .* not 'broker\.local'/],
      [["--broker", "mqtt://127.0.0.1:9", "--pyde1-http", "localhost:1234"], {}, /pyDE1's HTTP API \(--pyde1-http.*\) must be a URL such as http:\/\/localhost:1234 \(http, https\), not 'localhost:1234'/],
    ];
    for (const [args, env, message] of cases) {
      for (const command of ["record", "start"]) {
        const r = cli([command, "--db", db, ...(command === "start" ? ["--port", "0"] : []), ...args], { PYDE1_STORE_CONFIG: "", ...env });
        expect(r.code, `${command} ${args.join(" ")}`).toBe(2);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toMatch(message);
      }
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it("replay's broker, upload's visualizer and profile upload's pyDE1 URL: the same check, before anything is sent", () => {
    const db = join(scratch(), "a.sqlite3");
    copyFileSync(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), db);
    const profile = join(scratch(), "p.json");
    writeFileSync(profile, "{}");
    const before = readFileSync(db);
    const cases: [string[], RegExp][] = [
      [["replay", "--db", db, "--sequence", "latest", "--broker", "htp:/bad"], /--broker must be a URL such as mqtt:\/\/localhost:1883 .*not 'htp:\/bad'/],
      [["upload", "--db", db, "--sequence", "latest", "--url", "visualizer.coffee", "--user", "u", "--password", "p"], /--url must be a URL such as https:\/\/visualizer\.coffee \(http, https\), not 'visualizer\.coffee'/],
      [["profile", "upload", "--db", db, "--pyde1-http", "localhost:1234", profile], /--pyde1-http must be a URL such as http:\/\/localhost:1234 \(http, https\), not 'localhost:1234'/],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(Buffer.compare(readFileSync(db), before)).toBe(0);
  });

  it("a database in a folder that does not exist: one line naming the folder and how to make it", () => {
    const dir = scratch();
    const folder = join(dir, "no-such-folder");
    const db = join(folder, "x.sqlite3");
    const capture = join(dir, "empty.ndjson");
    writeFileSync(capture, "");
    const profile = join(dir, "p.json");
    writeFileSync(profile, "{}");
    for (const args of [["init", "--db", db], ["record", "--db", db, "--from-capture", capture], ["profile", "add", "--db", db, profile]]) {
      const r = cli(args);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr.trim()).toBe(`pyde1-store ${args[0] === "profile" ? "profile add" : args[0]}: ${folder}: no such folder for the database x.sqlite3. Create it first (mkdir -p ${folder}), or check the path.`);
    }
    expect(existsSync(folder)).toBe(false);
  });

  it("a folder given as the database: one line saying so and the file's path to give, nothing made in it", () => {
    const dir = scratch();
    const cases = [
      ["record", "--broker", "mqtt://127.0.0.1:9"],
      ["start", "--port", "0", "--broker", "mqtt://127.0.0.1:9"],
      ["info"],
      ["list"],
      ["migrate"],
      ["export", "--sequence", "latest", "--format", "csv"],
    ];
    for (const [command, ...rest] of cases) {
      const r = cli([command, "--db", dir, ...rest]);
      expect(r.code, command).toBe(1);
      expect(r.stderr.trim()).toBe(`pyde1-store ${command}: ${dir}: is a folder, not a database file. Give the file's path, e.g. ${join(dir, "pyde1.sqlite3")}.`);
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(join(dir, ".."))).not.toContain(`${basename(dir)}.lock`);
  });
});
