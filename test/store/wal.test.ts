/** applyWal against the real sqlite3 CLI: the same committed state, for intact, torn and tampered WALs. */
import { describe, expect, it, beforeAll } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs, { type SqlJsStatic } from "sql.js";
import { applyWal, walCommittedSize, WalFormatError } from "../../src/store/wal";
import { FilePersistence } from "../../src/store/persist/file";
import { FIXTURES, scratch } from "../support/paths";

const SQLITE3 = "/usr/bin/sqlite3";
let SQL: SqlJsStatic;
beforeAll(async () => {
  SQL = await initSqlJs();
});

type Row = Record<string, unknown>;

/** Runs SQL in sql.js on an image. */
function jsRows(bytes: Uint8Array, sql: string): Row[] {
  const db = new SQL.Database(bytes);
  try {
    const [res] = db.exec(sql);
    if (!res) return [];
    return res.values.map((v) => Object.fromEntries(res.columns.map((c, i) => [c, v[i]])));
  } finally {
    db.close();
  }
}

/** Runs SQL in the sqlite3 CLI on copies of the database (and WAL) in a new temp dir. */
function nativeRows(db: Uint8Array, wal: Uint8Array | null, sql: string): Row[] {
  const dir = scratch("pyde1-wal-native-");
  writeFileSync(join(dir, "x.db"), db);
  if (wal) writeFileSync(join(dir, "x.db-wal"), wal);
  const out = execFileSync(SQLITE3, ["-json", join(dir, "x.db"), sql], { encoding: "utf8" }).trim();
  return out === "" ? [] : (JSON.parse(out) as Row[]);
}

/** Builds a database + WAL with the sqlite3 CLI; the WAL survives because checkpoint-on-close is off. */
function buildWal(script: string, pageSize = 1024): { db: Uint8Array; wal: Uint8Array } {
  const dir = scratch("pyde1-wal-build-");
  const file = join(dir, "t.db");
  const input =
    `.dbconfig no_ckpt_on_close on\nPRAGMA page_size=${pageSize};\nPRAGMA journal_mode=WAL;\n` +
    `PRAGMA wal_autocheckpoint=0;\n${script}\n`;
  execFileSync(SQLITE3, [file], { input, stdio: ["pipe", "ignore", "inherit"] });
  return { db: readFileSync(file), wal: readFileSync(`${file}-wal`) };
}

/** The frames of a WAL as laid out in the file (no checking): offset, page number, commit size. */
function frames(wal: Uint8Array): { off: number; pgno: number; commit: number }[] {
  const v = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const size = 24 + v.getUint32(8);
  const out = [];
  for (let off = 32; off + size <= wal.length; off += size) {
    out.push({ off, pgno: v.getUint32(off), commit: v.getUint32(off + 4) });
  }
  return out;
}

/** Index (0-based) of each commit frame. */
const commits = (wal: Uint8Array) => frames(wal).flatMap((f, i) => (f.commit ? [i] : []));

const rows = (n: number, tx: number) =>
  `INSERT INTO t(tx, v) SELECT ${tx}, hex(randomblob(200)) FROM ` +
  `(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<${n}) SELECT x FROM c);`;

/** Five transactions: create; 1 row; 50 rows; update row 1 + 1 row; 30 rows. */
const SCRIPT = [
  "CREATE TABLE t(id INTEGER PRIMARY KEY, tx INTEGER, v TEXT);",
  "INSERT INTO t(tx, v) VALUES (1, 'first');",
  `BEGIN; ${rows(50, 2)} COMMIT;`,
  "BEGIN; UPDATE t SET v = 'updated' WHERE id = 1; INSERT INTO t(tx, v) VALUES (3, 'x'); COMMIT;",
  `BEGIN; ${rows(30, 4)} COMMIT;`,
].join("\n");
const SUMMARY = "SELECT tx, count(*) AS n, max(length(v)) AS len FROM t GROUP BY tx ORDER BY tx";
const FIRST = "SELECT v FROM t WHERE id = 1";

/** A rollback-journal header (1,1) whose in-header size is the image's and is trusted (offset 24 = offset 92). */
function expectTrustedHeader(bytes: Uint8Array): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, 100);
  const pageSize = v.getUint16(16) === 1 ? 65536 : v.getUint16(16);
  expect([bytes[18], bytes[19]]).toEqual([1, 1]);
  expect(v.getUint32(28) * pageSize).toBe(bytes.length);
  expect(v.getUint32(24)).toBe(v.getUint32(92));
}

/** The state applyWal produces equals what sqlite3 reads from the same db + wal, and is sound. */
function expectLikeSqlite(db: Uint8Array, wal: Uint8Array, sql = SUMMARY): Uint8Array {
  const { bytes } = applyWal(db, wal);
  expect(jsRows(bytes, sql)).toEqual(nativeRows(db, wal, sql));
  expect(jsRows(bytes, "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }]);
  expectTrustedHeader(bytes);
  return bytes;
}

const txs = (bytes: Uint8Array) => jsRows(bytes, SUMMARY).map((r) => r["tx"]);

describe("applyWal on the live pyDE1 fixture", () => {
  const dir = join(FIXTURES, "live-wal");
  const db = readFileSync(join(dir, "pyde1.sqlite3"));
  const wal = readFileSync(join(dir, "pyde1.sqlite3-wal"));
  const tables = () =>
    nativeRows(db, null, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map(
      (r) => r["name"] as string,
    );
  const counts = (run: (sql: string) => Row[]) =>
    Object.fromEntries(tables().map((t) => [t, run(`SELECT count(*) AS n FROM "${t}"`)[0]!["n"]]));
  const SEQ = "SELECT id FROM sequence ORDER BY id";
  const ids = (rows: Row[]) => rows.map((r) => r["id"] as string);
  // what native SQLite sees, with and without the -wal: the oracle for both tests
  const nativeMainIds = ids(nativeRows(db, null, SEQ));
  const nativeIds = ids(nativeRows(db, wal, SEQ));
  /** the sequences whose master row exists only in the -wal (the fixture's newest rows) */
  const walOnly = nativeIds.filter((id) => !nativeMainIds.includes(id));
  const seqTables = () =>
    tables().filter((t) => t !== "sequence" && nativeRows(db, null, `PRAGMA table_info("${t}")`).some((c) => c["name"] === "sequence_id"));
  const rowsOf = (run: (sql: string) => Row[], id: string) =>
    seqTables().map((t) => run(`SELECT count(*) AS n FROM "${t}" WHERE sequence_id = '${id}'`)[0]!["n"] as number);

  it("the fixture is what it says: a sequence exists only in its -wal", () => {
    expect(walOnly.length).toBeGreaterThan(0);
  });

  it("sees only what the main file holds without the WAL", () => {
    const { bytes, copied } = applyWal(db, null);
    expect([db[18], db[19]]).toEqual([2, 2]); // input untouched
    expect(copied).toBe(true); // the live file's header says WAL (2,2): fixed on a copy
    expect(ids(jsRows(bytes, SEQ))).toEqual(nativeMainIds);
    for (const id of walOnly) expect(ids(jsRows(bytes, SEQ))).not.toContain(id);
    expect(counts((sql) => jsRows(bytes, sql))).toEqual(counts((sql) => nativeRows(db, null, sql)));
  });

  it("sees every committed row with the WAL, as the sqlite3 CLI does", () => {
    const before = Buffer.from(db);
    const result = applyWal(db, wal);
    expect(db.equals(before)).toBe(true); // input untouched
    expect(result).toMatchObject({ outcome: "applied", copied: true });
    expect(result.framesApplied).toBeGreaterThan(0);
    expect(result.framesApplied + result.framesIgnored).toBe(frames(wal).length);
    const { bytes } = result;
    expect(ids(jsRows(bytes, SEQ))).toEqual(nativeIds);

    const native = counts((sql) => nativeRows(db, wal, sql));
    const ours = counts((sql) => jsRows(bytes, sql));
    const mainOnly = counts((sql) => nativeRows(db, null, sql));
    expect(ours).toEqual(native);
    const total = (c: Record<string, unknown>) => Object.values(c).reduce((a: number, n) => a + (n as number), 0);
    expect(total(ours)).toBeGreaterThan(total(mainOnly));
    // the WAL-only sequences' rows, table by table, and at least one row besides each master row
    for (const id of walOnly) {
      const theirs = rowsOf((sql) => nativeRows(db, wal, sql), id);
      expect(rowsOf((sql) => jsRows(bytes, sql), id)).toEqual(theirs);
      expect(theirs.reduce((a, n) => a + n, 0)).toBeGreaterThan(0);
    }

    expect(jsRows(bytes, "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }]);
    expectTrustedHeader(bytes);

    const out = join(scratch("pyde1-wal-out-"), "out.sqlite3");
    writeFileSync(out, bytes);
    expect(execFileSync(SQLITE3, [out, "PRAGMA integrity_check"], { encoding: "utf8" }).trim()).toBe("ok");
    expect(execFileSync(SQLITE3, [out, "PRAGMA journal_mode"], { encoding: "utf8" }).trim()).toBe("delete");
    expect(existsSync(`${out}-wal`)).toBe(false);
  });
});

describe("applyWal on WALs written by sqlite3", () => {
  const built = buildWal(SCRIPT);
  const { db, wal } = built;
  const c = commits(wal);
  const all = frames(wal);

  it("applies every transaction of an intact WAL; the last copy of a page wins", () => {
    expect(c).toHaveLength(5);
    const r = applyWal(db, wal);
    expect(r).toMatchObject({ outcome: "applied", transactions: 5, framesApplied: all.length, framesIgnored: 0 });
    const bytes = expectLikeSqlite(db, wal);
    expect(txs(bytes)).toEqual([1, 2, 3, 4]);
    expect(jsRows(bytes, FIRST)).toEqual([{ v: "updated" }]);
  });

  it("applies only the committed prefix of a torn WAL", () => {
    const torn = wal.subarray(0, all[all.length - 1]!.off + 100);
    expect(applyWal(db, torn)).toMatchObject({ transactions: 4, framesApplied: c[3]! + 1 });
    expect(txs(expectLikeSqlite(db, torn))).toEqual([1, 2, 3]);
  });

  it("ignores a frame whose data changed, and everything after it", () => {
    const bad = Uint8Array.from(wal);
    const f = all[c[2]! - 1]!; // a frame inside the 50-row transaction
    bad[f.off + 24 + 500]! ^= 0xff;
    const r = applyWal(db, bad);
    expect(r).toMatchObject({ transactions: 2, framesApplied: c[1]! + 1 });
    expect(r.framesIgnored).toBe(all.length - c[1]! - 1);
    expect(txs(expectLikeSqlite(db, bad))).toEqual([1]);
  });

  it("ignores a frame whose salt differs from the header's (salts are outside the checksum)", () => {
    const bad = Uint8Array.from(wal);
    bad[all[c[3]!]!.off + 8]! ^= 0x01; // salt-1 of the update's commit frame
    expect(applyWal(db, bad)).toMatchObject({ transactions: 3 });
    const bytes = expectLikeSqlite(db, bad);
    expect(jsRows(bytes, FIRST)).toEqual(nativeRows(db, bad, FIRST));
    expect(txs(bytes)).toEqual([1, 2]);
    expect(jsRows(bytes, FIRST)).toEqual([{ v: "first" }]);
  });

  it("ignores the frames of a transaction whose commit frame is missing", () => {
    const uncommitted = wal.subarray(0, all[c[4]!]!.off); // whole frames, last commit cut off
    const r = applyWal(db, uncommitted);
    expect(r).toMatchObject({ transactions: 4, framesIgnored: c[4]! - c[3]! - 1 });
    expect(r.framesIgnored).toBeGreaterThan(0);
    expect(txs(expectLikeSqlite(db, uncommitted))).toEqual([1, 2, 3]);
  });

  it("ignores frames a writer spilled before it rolled back", () => {
    const { db, wal } = buildWal(
      `${SCRIPT}\nPRAGMA cache_size = 2;\nBEGIN;\n${rows(300, 9)}\n`, // no COMMIT: rolled back on exit
    );
    const r = applyWal(db, wal);
    expect(r.framesIgnored).toBeGreaterThan(50);
    expect(txs(expectLikeSqlite(db, wal))).toEqual([1, 2, 3, 4]);
  });

  it("ignores stale frames of an earlier WAL generation after a restart", () => {
    const { db, wal } = buildWal(
      `${SCRIPT}\nPRAGMA wal_checkpoint(RESTART);\nUPDATE t SET v = 'gen2' WHERE id = 1;`,
    );
    expect(frames(wal).length).toBeGreaterThan(commits(wal)[0]! + 1); // stale frames follow
    const r = applyWal(db, wal);
    expect(r).toMatchObject({ transactions: 1, framesApplied: commits(wal)[0]! + 1 });
    expect(jsRows(expectLikeSqlite(db, wal, FIRST), FIRST)).toEqual([{ v: "gen2" }]);
  });

  it("truncates the image when the last commit shrinks the database", () => {
    const { db, wal } = buildWal(
      `${SCRIPT}\nPRAGMA wal_checkpoint(TRUNCATE);\nDROP TABLE t;\nCREATE TABLE u(x);\nVACUUM;`,
    );
    const r = applyWal(db, wal);
    expect(r.bytes.length).toBeLessThan(db.length);
    expect(r.bytes.length).toBe(r.pageCount * 1024);
    expectLikeSqlite(db, wal, "SELECT name FROM sqlite_master ORDER BY name");
  });

  it("ignores committed frames of pages past the database's final size", () => {
    const { db, wal } = buildWal(`${SCRIPT}\nDROP TABLE t;\nCREATE TABLE u(x);\nVACUUM;`);
    const last = commits(wal).at(-1)!;
    const size = frames(wal)[last]!.commit;
    expect(frames(wal).some((f) => f.pgno > size)).toBe(true);
    const r = applyWal(db, wal);
    expect(r.pageCount).toBe(size);
    expect(r.bytes.length).toBe(size * 1024);
    expectLikeSqlite(db, wal, "SELECT name FROM sqlite_master ORDER BY name");
  });

  it("verifies big-endian checksums (magic 0x377f0683)", () => {
    const be = resign(wal, true);
    expect(nativeRows(db, be, SUMMARY)).toEqual(nativeRows(db, wal, SUMMARY)); // sqlite3 accepts it
    expect(applyWal(db, be)).toMatchObject({ transactions: 5, framesIgnored: 0 });
    expect(txs(expectLikeSqlite(db, be))).toEqual([1, 2, 3, 4]);
  });

  it("ignores a WAL with a bad magic or header checksum, and says so", () => {
    for (const at of [0, 24]) {
      const bad = Uint8Array.from(wal);
      bad[at + 3]! ^= 0x10;
      const r = applyWal(db, bad);
      expect(r).toMatchObject({ outcome: "ignored-bad-header", framesApplied: 0 });
      expect(r.reason).toMatch(at === 0 ? /magic/ : /checksum/);
      expect([r.bytes[18], r.bytes[19]]).toEqual([1, 1]);
      expect(jsRows(r.bytes, "SELECT count(*) AS n FROM sqlite_master")).toEqual(
        nativeRows(db, bad, "SELECT count(*) AS n FROM sqlite_master"),
      );
    }
  });

  it("rejects a WAL of an unknown format version", () => {
    const v2 = Uint8Array.from(wal);
    new DataView(v2.buffer).setUint32(4, 3007001);
    expect(() => applyWal(db, resign(v2, false))).toThrow(/format version 3007001/);
  });

  it("rejects a WAL whose page size differs from the database's", () => {
    const other = buildWal(SCRIPT, 4096);
    expect(() => applyWal(db, other.wal)).toThrow(WalFormatError);
    expect(() => applyWal(db, other.wal)).toThrow(/page size \(4096\) differs .*\(1024\)/);
  });

  it("builds the database from the WAL alone when the image is empty", () => {
    const r = applyWal(new Uint8Array(0), wal);
    expect(r.outcome).toBe("applied");
    expect(jsRows(r.bytes, SUMMARY)).toEqual(nativeRows(db, wal, SUMMARY));
    expect(jsRows(r.bytes, "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }]);
    expectTrustedHeader(r.bytes);
  });

  it("returns the image unchanged without a WAL, copying only to fix a WAL-mode header", () => {
    for (const none of [null, undefined, new Uint8Array(0), wal.subarray(0, 20)]) {
      const r = applyWal(db, none);
      expect(r).toMatchObject({ outcome: "absent", copied: true, framesApplied: 0 });
      expect([db[18], db[19], r.bytes[18], r.bytes[19]]).toEqual([2, 2, 1, 1]);
      expect(Buffer.from(r.bytes.subarray(100)).equals(db.subarray(100))).toBe(true);
    }
    const rollback = applyWal(db, wal).bytes;
    // A stale in-header size that SQLite ignores (24 != 92) must not become a trusted wrong one.
    const stale = Uint8Array.from(rollback);
    stale[18] = stale[19] = 2;
    new DataView(stale.buffer).setUint32(28, 1);
    new DataView(stale.buffer).setUint32(92, 12345);
    expect(jsRows(stale, SUMMARY)).toEqual(jsRows(rollback, SUMMARY)); // SQLite ignores it
    const fixed = applyWal(stale, null).bytes;
    expectTrustedHeader(fixed);
    expect(jsRows(fixed, SUMMARY)).toEqual(jsRows(rollback, SUMMARY));
    expect(jsRows(fixed, "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }]);
    const again = applyWal(rollback, null);
    expect(again.bytes).toBe(rollback); // same view, no copy
    expect(again.copied).toBe(false);
    expect(applyWal(rollback, wal.subarray(0, 32))).toMatchObject({ outcome: "no-commit", copied: false });
  });

  it("rejects an image that is not a SQLite database", () => {
    expect(() => applyWal(wal, wal)).toThrow(/not a SQLite database/);
  });
});

/** Re-signs a WAL (header and every frame) with the given checksum byte order, as a writer on such a machine would. */
function resign(wal: Uint8Array, bigEndian: boolean): Uint8Array {
  const out = Uint8Array.from(wal);
  const v = new DataView(out.buffer);
  const sum = (off: number, len: number, s: [number, number]): [number, number] => {
    for (let i = off; i < off + len; i += 8) {
      s[0] = (s[0] + v.getUint32(i, !bigEndian) + s[1]) >>> 0;
      s[1] = (s[1] + v.getUint32(i + 4, !bigEndian) + s[0]) >>> 0;
    }
    return s;
  };
  v.setUint32(0, bigEndian ? 0x377f0683 : 0x377f0682);
  let s = sum(0, 24, [0, 0]);
  v.setUint32(24, s[0]);
  v.setUint32(28, s[1]);
  const pageSize = v.getUint32(8);
  for (const f of frames(out)) {
    s = sum(f.off + 24, pageSize, sum(f.off, 8, s));
    v.setUint32(f.off + 16, s[0]);
    v.setUint32(f.off + 20, s[1]);
  }
  return out;
}

describe("applyWal in place", () => {
  it("writes the frames into the caller's image instead of copying it, with the same result", () => {
    const db = readFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3"));
    const wal = readFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3-wal"));
    const copied = applyWal(db, wal);
    const mine = Buffer.from(db); // a copy the test hands over
    const inPlace = applyWal(mine, wal, { inPlace: true });
    expect(inPlace.outcome).toBe("applied");
    expect(Buffer.compare(Buffer.from(inPlace.bytes), Buffer.from(copied.bytes))).toBe(0);
    if (copied.bytes.length <= mine.length) {
      expect(inPlace.copied).toBe(false);
      expect(inPlace.bytes.buffer).toBe(mine.buffer);
    }
    expect(Buffer.compare(db, readFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3")))).toBe(0);
  });
});

describe("applyWal into spare room (a WAL that grew the database)", () => {
  it("walCommittedSize tells the size after applying; applied into room it copies nothing and matches a copy", () => {
    const { db, wal } = buildWal(SCRIPT);
    const copied = applyWal(db, wal);
    expect(copied.bytes.length).toBeGreaterThan(db.length); // the WAL grew it
    expect(walCommittedSize(wal)).toBe(copied.bytes.length);
    expect(walCommittedSize(null)).toBe(0);
    expect(walCommittedSize(new Uint8Array(64))).toBe(0); // a header SQLite would ignore
    const room = Buffer.alloc(walCommittedSize(wal), 0xaa); // garbage past the file must not show
    room.set(db);
    const r = applyWal(room, wal, { inPlace: true, fileLength: db.length });
    expect(r.copied).toBe(false);
    expect(r.bytes.buffer).toBe(room.buffer);
    expect(Buffer.compare(Buffer.from(r.bytes), Buffer.from(copied.bytes))).toBe(0);
    expect(jsRows(r.bytes, "SELECT tx, count(*) FROM t GROUP BY tx")).toEqual(nativeRows(db, wal, "SELECT tx, count(*) FROM t GROUP BY tx"));
  });

  it("a reader's load gives the native view of a database whose WAL grew it", async () => {
    const { db, wal } = buildWal(SCRIPT);
    const dir = scratch();
    writeFileSync(join(dir, "t.db"), db);
    writeFileSync(join(dir, "t.db-wal"), wal);
    const file = FilePersistence.open(join(dir, "t.db"), { mode: "read" });
    const bytes = (await file.load())!;
    expect(file.walFramesApplied).toBe(commits(wal).at(-1)! + 1);
    expect(jsRows(bytes, "SELECT id, tx, v FROM t ORDER BY id")).toEqual(nativeRows(db, wal, "SELECT id, tx, v FROM t ORDER BY id"));
    expect(Buffer.compare(readFileSync(join(dir, "t.db")), Buffer.from(db))).toBe(0); // the file is untouched
    await file.close();
  });
});
