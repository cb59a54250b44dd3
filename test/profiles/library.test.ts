/**
 * addProfile on the shipped pyDE1 schema: the row and persist_hkv values pyDE1 wrote in the
 * three-shots recording, dedupe by id, and SQLite-3.40 float text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs, { type Database } from "sql.js";
import { beforeAll, describe, expect, it } from "vitest";
import { addProfile, sqliteRealText } from "../../src/profiles";
import { FIXTURES, SHOTS_RECORDING } from "../support/paths";
import { REFERENCE_PROFILES, referenceBytes } from "../support/reference-profiles";
import { pressureStep, profileBytes, profileObject } from "./build";

let SQL: Awaited<ReturnType<typeof initSqlJs>>;
beforeAll(async () => {
  SQL = await initSqlJs();
});

function openShippedSchema(): Database {
  return new SQL.Database(readFileSync(join(FIXTURES, "schemas/pyde1-schema-003-as-shipped.sqlite3")));
}

type Cell = [string, unknown];
const typed = (db: Database, sql: string) => {
  const r = db.exec(sql)[0]!;
  return r.values.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
};

describe("addProfile", () => {
  it("writes what pyDE1 wrote for the three-shots upload", async () => {
    const dir = join(FIXTURES, "recordings", SHOTS_RECORDING);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { profiles: { source: string; when: number }[] };
    const expected = JSON.parse(readFileSync(join(dir, "expected.tables.json"), "utf8")) as {
      tables: Record<string, { rows: Record<string, Cell>[] }>;
    };
    const { source, when } = manifest.profiles[0]!;
    const db = openShippedSchema();
    const result = await addProfile(db, new TextEncoder().encode(source), when);
    expect(result.added).toBe(true);

    const typedRows = (table: string, order: string) => {
      const r = db.exec(`SELECT * FROM ${table} ORDER BY ${order}`)[0]!;
      const types = db.exec(`SELECT ${r.columns.map((c) => `typeof(${c})`).join(", ")} FROM ${table} ORDER BY ${order}`)[0]!;
      return r.values.map((row, j) =>
        Object.fromEntries(
          r.columns.map((c, i) => {
            const v = row[i];
            return [c, [types.values[j]![i], v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v]];
          }),
        ),
      );
    };
    expect(typedRows("profile", "date_added")).toEqual(expected.tables["profile"]!.rows);
    expect(typedRows("persist_hkv", "rowid")).toEqual(expected.tables["persist_hkv"]!.rows);
    db.close();
  });

  it("adding the same bytes again keeps the first row", async () => {
    const db = openShippedSchema();
    const ref = REFERENCE_PROFILES[0]!;
    const bytes = new Uint8Array(referenceBytes(ref));
    const first = await addProfile(db, bytes, 1700000001.25);
    const rowsBefore = JSON.stringify(db.exec("SELECT * FROM profile"));
    const second = await addProfile(db, bytes, 1700000002.5);
    expect([first.added, second.added]).toEqual([true, false]);
    expect(second.id).toBe(first.id);
    expect(JSON.stringify(db.exec("SELECT * FROM profile"))).toBe(rowsBefore);
    expect(first.id).toBe(ref.id); // pyDE1's id for these bytes
    expect(typed(db, `SELECT count(*) AS n FROM profile WHERE id = '${ref.id}'`)).toEqual([{ n: 1 }]);
    // The later upload is still the last profile, as for pyDE1.
    expect(typed(db, "SELECT key, value FROM persist_hkv WHERE header = 'last_profile' ORDER BY key")).toEqual([
      { key: "datetime", value: "1700000002.5" },
      { key: "id", value: first.id },
    ]);
    db.close();
  });

  it("two files, one program: two rows sharing a fingerprint; metadata from each file", async () => {
    const db = openShippedSchema();
    const a = profileBytes(profileObject([pressureStep()], { title: "A", author: null }));
    const b = profileBytes(profileObject([pressureStep()], { title: "B", notes: "é" }));
    const ra = await addProfile(db, a, 1);
    const rb = await addProfile(db, b, 2, { setLastProfile: false });
    expect(rb.fingerprint).toBe(ra.fingerprint);
    expect(typed(db, "SELECT title, author, notes, beverage_type FROM profile WHERE id != 'dummy' ORDER BY date_added")).toEqual([
      { title: "A", author: null, notes: "", beverage_type: "espresso" },
      { title: "B", author: "test", notes: "é", beverage_type: "espresso" },
    ]);
    expect(typed(db, "SELECT value FROM persist_hkv WHERE key = 'id'")).toEqual([{ value: ra.id }]);
    db.close();
  });

  it("works inside a caller's transaction and creates missing persist_hkv rows", async () => {
    const db = new SQL.Database();
    db.run(`CREATE TABLE profile (id TEXT NOT NULL PRIMARY KEY, source BLOB NOT NULL, source_format TEXT NOT NULL,
      fingerprint TEXT NOT NULL, date_added REAL, title TEXT, author TEXT, notes TEXT, beverage_type TEXT);
      CREATE TABLE persist_hkv (header TEXT, key TEXT NOT NULL, value TEXT);
      CREATE UNIQUE INDEX idx_persist_hkv_hk ON persist_hkv(header, key);`);
    db.run("BEGIN");
    await addProfile(db, profileBytes(profileObject([pressureStep()])), 1700000000);
    db.run("COMMIT");
    expect(typed(db, "SELECT key, value FROM persist_hkv ORDER BY key")[0]).toEqual({ key: "datetime", value: "1700000000.0" });
    db.close();
  });
});

describe("sqliteRealText (SQLite 3.40 REAL → TEXT, printf %!.15g)", () => {
  // Literals as printed by the sqlite3 3.40.1 shell: SELECT CAST(x AS TEXT).
  const cases: [number, string][] = [
    [1700700003.056021, "1700700003.05602"],
    [1701100002.839788, "1701100002.83979"],
    [1700000000, "1700000000.0"],
    [1, "1.0"],
    [0, "0.0"],
    [-2.5, "-2.5"],
    [0.1, "0.1"],
    [0.0001, "0.0001"],
    [0.00001, "1.0e-05"],
    [1.5e-7, "1.5e-07"],
    [1e14, "100000000000000.0"],
    [1e15, "1.0e+15"],
    [1e20, "1.0e+20"],
    [123456789012345678, "1.23456789012346e+17"],
  ];
  for (const [x, text] of cases) it(`${x} → ${text}`, () => expect(sqliteRealText(x)).toBe(text));
});
