import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSqlJs } from "../../src/store/sqljs";
import { Store } from "../../src/store/store";
import { NotPyde1Error, NotSqliteError, SchemaVersionError } from "../../src/store/errors";
import { CATALOG, columnsOf } from "../../src/catalog";
import { FIXTURES } from "../support/paths";
import { describeSchema } from "../support/describe-schema";

const schemaJson = (n: number) => JSON.parse(readFileSync(join(FIXTURES, "schemas", `schema-00${n}.json`), "utf8"));
const sortIdx = (tables: Record<string, { indexes: { name: string }[] }>) => {
  for (const t of Object.values(tables)) t.indexes.sort((a, b) => a.name.localeCompare(b.name));
  return tables;
};

describe("a new database", () => {
  it("has pyDE1 v3's tables, columns, foreign keys, indexes and seed rows, and user_version 3", async () => {
    const SQL = await loadSqlJs();
    const store = Store.create(SQL);
    const want = schemaJson(3);
    expect(describeSchema(store.db)).toEqual(sortIdx(want.tables));
    for (const [table, rows] of Object.entries(want.rows as Record<string, unknown[][]>)) {
      expect(store.db.exec(`SELECT * FROM ${table} ORDER BY rowid`)[0].values).toEqual(rows);
    }
    // seed values keep pyDE1's storage classes
    expect(store.db.exec("SELECT typeof(date_added), typeof(source) FROM profile")[0].values).toEqual([["real", "text"]]);
    expect(store.db.exec("SELECT typeof(value) FROM persist_hkv")[0].values).toEqual([["text"], ["text"]]);
    expect(store.userVersion).toBe(3);
    store.close();
  });

  it("has exactly the catalog's columns in every notification table", async () => {
    const store = Store.create(await loadSqlJs());
    const shape = describeSchema(store.db);
    for (const cls of CATALOG) expect(shape[cls.table].columns.map((c) => c.name)).toEqual(columnsOf(cls));
    expect(Object.keys(shape)).toHaveLength(16);
    store.close();
  });
});

describe("upgrades", () => {
  for (const [file, from] of [
    ["pyde1-schema-001.sqlite3", 1],
    ["pyde1-schema-002.sqlite3", 2],
    ["pyde1-schema-003-as-shipped.sqlite3", 2],
  ] as const) {
    it(`${file} (user_version ${from}) ends at v3 with pyDE1's v3 shape`, async () => {
      const SQL = await loadSqlJs();
      const bytes = readFileSync(join(FIXTURES, "schemas", file));
      const before = Buffer.from(bytes);
      const seen: [number, number][] = [];
      const store = Store.open(SQL, bytes, { file, beforeUpgrade: (a, b) => seen.push([a, b]) });
      expect(seen).toEqual([[from, 3]]);
      expect(store.opened).toMatchObject({ fromVersion: from, toVersion: 3, changed: true });
      expect(store.userVersion).toBe(3);
      expect(describeSchema(store.db)).toEqual(sortIdx(schemaJson(3).tables));
      expect(store.db.exec("PRAGMA integrity_check")[0].values).toEqual([["ok"]]);
      expect(Buffer.compare(bytes, before)).toBe(0);
      store.close();
    });
  }

  it("refuses to upgrade when told not to, and reports the old version", async () => {
    const SQL = await loadSqlJs();
    const store = Store.open(SQL, readFileSync(join(FIXTURES, "schemas", "pyde1-schema-001.sqlite3")), { upgrade: false });
    expect(store.userVersion).toBe(1);
    expect(store.opened.changed).toBe(false);
    store.close();
  });
});

describe("refusals", () => {
  it("refuses bytes that are not SQLite", async () => {
    const SQL = await loadSqlJs();
    expect(() => Store.open(SQL, new TextEncoder().encode("hello".repeat(40)), { file: "x.db" })).toThrow(NotSqliteError);
  });
  it("refuses SQLite without pyDE1's tables, naming them", async () => {
    const SQL = await loadSqlJs();
    const other = new SQL.Database();
    other.exec("CREATE TABLE notes (a)");
    const bytes = other.export();
    expect(() => Store.open(SQL, bytes, { file: "notes.db" })).toThrow(/notes\.db.*missing: profile, persist_hkv, sequence/);
    expect(() => Store.open(SQL, bytes, { file: "notes.db" })).toThrow(NotPyde1Error);
  });
  it("refuses a newer schema version", async () => {
    const SQL = await loadSqlJs();
    const s = Store.create(SQL);
    s.db.exec("PRAGMA user_version = 4");
    const bytes = s.export();
    expect(() => Store.open(SQL, bytes, { file: "new.db" })).toThrow(SchemaVersionError);
    expect(() => Store.open(SQL, bytes, { file: "new.db" })).toThrow(/new\.db: schema version 4/);
  });
});

describe("the caller's bytes", () => {
  it("are never changed by writes unless handed over", async () => {
    const SQL = await loadSqlJs();
    const s = Store.create(SQL);
    const bytes = Buffer.from(s.export()); // a Node Buffer: sql.js would keep a view of it
    s.close();
    const before = Buffer.from(bytes);
    const store = Store.open(SQL, bytes);
    store.hkv.set("x", "y", "z".repeat(5000));
    store.export();
    expect(Buffer.compare(bytes, before)).toBe(0);
    store.close();
  });
});
