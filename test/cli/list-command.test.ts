import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, RECORDINGS, SHOTS_RECORDING, scratch } from "../support/paths";
import { copyDatabase } from "../support/copy-db";
import { spawnSync } from "node:child_process";
import { cli, sqlite3 } from "../support/cli";

type Cell = [string, unknown];
type TableRows = Record<string, Cell>[];
/** pyDE1's own rows of a recording's table (expected.tables.json). */
function pyde1Rows(recording: string, table: string): TableRows {
  const t = JSON.parse(readFileSync(join(FIXTURES, "recordings", recording, "expected.tables.json"), "utf8")) as {
    tables: Record<string, { rows: TableRows }>;
  };
  return t.tables[table].rows;
}
const value = (row: Record<string, Cell>, column: string) => row[column][1];

/** A recording's database, copied with its -wal into a scratch folder. */
function copyOf(recording: string): { dir: string; db: string } {
  const dir = scratch();
  return { dir, db: copyDatabase(join(FIXTURES, "recordings", recording, "expected.sqlite3"), dir) };
}

/** The sequences pyDE1 recorded (not its 'dummy' seed row), newest first, as pyDE1's rows give them. */
function pyde1Sequences(recording: string) {
  const titles = new Map(pyde1Rows(recording, "profile").map((p) => [value(p, "id"), value(p, "title")]));
  return pyde1Rows(recording, "sequence")
    .filter((s) => value(s, "id") !== "dummy")
    .map((s, rowid) => ({ rowid, s }))
    .sort((a, b) => (value(b.s, "start_sequence") as number) - (value(a.s, "start_sequence") as number) || b.rowid - a.rowid)
    .map(({ s }) => ({
      id: value(s, "id") as string,
      active_state: value(s, "active_state") as string,
      start_sequence: value(s, "start_sequence") as number,
      start_flow: value(s, "start_flow") as number,
      end_flow: value(s, "end_flow") as number,
      profile_id: value(s, "profile_id") as string,
      assumed: value(s, "profile_assumed") === 1,
      title: value(s, "profile_id") === "dummy" ? null : ((titles.get(value(s, "profile_id")) as string | undefined) ?? null),
    }));
}

/** pyDE1's drink weight of a sequence, from the `settings` block of the shot file pyDE1 wrote for it (when it wrote one). */
function pyde1DrinkWeight(recording: string, id: string): number | undefined {
  const file = join(FIXTURES, "recordings", recording, "shots", `${id}.shot`);
  if (!existsSync(file)) return undefined;
  const m = /^\s*drink_weight (\S+)$/m.exec(readFileSync(file, "utf8"));
  return m ? Number(m[1]) : undefined;
}

describe("list", () => {
  for (const recording of RECORDINGS) {
    it(`lists ${recording}'s sequences newest first, as pyDE1 recorded them (--json), and writes nothing`, () => {
      const { dir, db } = copyOf(recording);
      const before = readdirSync(dir).map((f) => readFileSync(join(dir, f)));
      const r = cli(["list", "--db", db, "--json"]);
      expect(r.code).toBe(0);
      const listed = JSON.parse(r.stdout) as Record<string, unknown>[];
      const truth = pyde1Sequences(recording);
      expect(truth.length).toBeGreaterThan(0);
      expect(listed.map((s) => s.id)).toEqual(truth.map((s) => s.id));
      for (const [i, s] of truth.entries()) {
        expect(listed[i]).toMatchObject({
          active_state: s.active_state,
          start_sequence: s.start_sequence,
          profile_id: s.profile_id,
          profile_assumed: s.assumed,
          profile_title: s.title,
          profile_found: s.title !== null,
        });
        expect(listed[i].flow_duration).toBeCloseTo(s.end_flow - s.start_flow, 9);
        const weight = pyde1DrinkWeight(recording, s.id);
        if (weight !== undefined) expect(listed[i].drink_weight).toBe(weight);
      }
      // the database and its -wal are left as they were, and nothing is added beside them
      expect(readdirSync(dir).map((f) => readFileSync(join(dir, f)))).toEqual(before);
    });
  }

  it("prints one line a sequence: id, local start (TZ), kind, flow time, drink weight, profile title", () => {
    const { db } = copyOf(SHOTS_RECORDING);
    const r = cli(["list", "--db", db], { TZ: "UTC" });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    const truth = pyde1Sequences(SHOTS_RECORDING);
    expect(lines).toHaveLength(truth.length);
    for (const [i, s] of truth.entries()) {
      const start = new Date(s.start_sequence * 1000).toISOString().slice(0, 19).replace("T", " ");
      const flow = `${(s.end_flow - s.start_flow).toFixed(1)} s`;
      const weight = pyde1DrinkWeight(SHOTS_RECORDING, s.id);
      expect(lines[i].startsWith(`${s.id}  ${start}  ${s.active_state}`)).toBe(true);
      expect(lines[i]).toContain(flow);
      if (weight !== undefined) expect(lines[i]).toContain(`${weight.toFixed(1)} g`);
      expect(lines[i].endsWith(s.title!)).toBe(true);
    }
    // the local zone moves the start
    const tokyo = cli(["list", "--db", db], { TZ: "Asia/Tokyo" }).stdout.split("\n")[0];
    const local = new Date((truth[0].start_sequence + 9 * 3600) * 1000).toISOString().slice(0, 19).replace("T", " ");
    expect(tokyo).toContain(`  ${local}  `);
  });

  it("marks an assumed profile and a sequence without one", () => {
    for (const recording of RECORDINGS) {
      const truth = pyde1Sequences(recording);
      const lines = cli(["list", "--db", copyOf(recording).db]).stdout.trimEnd().split("\n");
      for (const [i, s] of truth.entries()) {
        if (s.profile_id === "dummy") expect(lines[i]).toMatch(/\(no profile\)$/);
        else if (s.assumed) expect(lines[i]).toMatch(/ \(assumed\)$/);
        else expect(lines[i]).not.toMatch(/\((assumed|no profile)\)$/);
      }
    }
  });

  it("--state (any case) and --limit choose which; an empty choice says so on stderr", () => {
    const { db } = copyOf(SHOTS_RECORDING);
    const truth = pyde1Sequences(SHOTS_RECORDING).filter((s) => s.active_state === "Espresso");
    expect(truth.length).toBeGreaterThan(1);
    const two = JSON.parse(cli(["list", "--db", db, "--state", "espresso", "--limit", "2", "--json"]).stdout) as { id: string }[];
    expect(two.map((s) => s.id)).toEqual(truth.slice(0, 2).map((s) => s.id));
    const none = cli(["list", "--db", db, "--state", "HotWaterRinse"]);
    const rinses = pyde1Sequences(SHOTS_RECORDING).filter((s) => s.active_state === "HotWaterRinse").length;
    expect(none.code).toBe(0);
    if (rinses === 0) {
      expect(none.stdout).toBe("");
      expect(none.stderr).toContain(`${db}: holds no HotWaterRinse sequences.`);
    } else {
      expect(none.stdout.trimEnd().split("\n")).toHaveLength(rinses);
    }
  });

  it("--csv: the same sequences and values as --json, with the local start, read back by Python's csv module; titles with commas, quotes and line breaks survive", () => {
    const { db } = copyOf(SHOTS_RECORDING);
    const title = 'Blooming, "sweet"\nsecond line';
    sqlite3(db, `PRAGMA journal_mode=DELETE; UPDATE profile SET title = '${title.replaceAll("'", "''")}' WHERE id <> 'dummy';`);
    const r = cli(["list", "--db", db, "--csv"], { TZ: "UTC" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const parsed = spawnSync("python3", ["-c", "import csv, json, sys; print(json.dumps(list(csv.DictReader(sys.stdin))))"], { input: r.stdout, encoding: "utf8" });
    expect(parsed.stderr).toBe("");
    const rows = JSON.parse(parsed.stdout) as Record<string, string>[];
    const listed = JSON.parse(cli(["list", "--db", db, "--json"]).stdout) as Record<string, string | number | boolean | null>[];
    expect(rows.map((row) => row.id)).toEqual(listed.map((s) => s.id));
    for (const [i, s] of listed.entries()) {
      const { start_local, ...rest } = rows[i]!;
      expect(Object.keys(rows[i]!)).toEqual(["id", "start_local", "active_state", "start_sequence", "start_flow", "end_flow", "end_sequence", "flow_duration", "drink_weight", "profile_id", "profile_title", "profile_assumed", "profile_found"]);
      for (const [column, text] of Object.entries(rest)) {
        const v = s[column];
        expect(text, `${s.id} ${column}`).toBe(v === null ? "" : String(v));
        if (typeof v === "number") expect(Number(text)).toBe(v); // no digit lost
      }
      expect(start_local).toBe(new Date((s.start_sequence as number) * 1000).toISOString().slice(0, 19).replace("T", " "));
    }
    expect(rows.some((row) => row.profile_title === title)).toBe(true);
    const both = cli(["list", "--db", db, "--csv", "--json"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--json and --csv");
  });

  it("refuses a bad --state or --limit with exit 2, naming what it takes", () => {
    const { db } = copyOf(SHOTS_RECORDING);
    const state = cli(["list", "--db", db, "--state", "Coffee"]);
    expect(state.code).toBe(2);
    expect(state.stderr).toMatch(/--state must be one of Espresso, Steam, HotWater, HotWaterRinse, not 'Coffee'/);
    for (const limit of ["0", "-1", "2.5", "many"]) {
      const r = cli(["list", "--db", db, "--limit", limit]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--limit");
    }
    const missing = cli(["list", "--db", "/nonexistent/x.sqlite3"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\/nonexistent\/x\.sqlite3: no such file/);
  });

  it("is what export's unknown-sequence error points to", () => {
    const { db } = copyOf(SHOTS_RECORDING);
    const r = cli(["export", "--db", db, "--sequence", "no-such-id", "--format", "csv"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`'pyde1-store list --db ${db}' lists the ids`);
  });
});
