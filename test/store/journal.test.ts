import { describe, expect, it } from "vitest";
import { appendFileSync, readFileSync, renameSync, truncateSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, Journal, readJournal } from "../../src/store/persist/journal";
import { scratch } from "../support/paths";

type E = { topic: string; i: number };
const ev = (i: number): E => ({ topic: `pyDE1/X${i}`, i });

describe("journal", () => {
  it("computes the standard CRC-32", () => {
    expect(crc32("123456789").toString(16)).toBe("cbf43926");
    expect(crc32("")).toBe(0);
  });

  it("appends records that survive a reopen, numbered without gaps", () => {
    const path = join(scratch(), "db.journal");
    const { journal, contents } = Journal.open<E>(path);
    expect(contents.records).toEqual([]);
    for (let i = 1; i <= 5; i++) expect(journal.append(ev(i))).toBe(i);
    journal.close();
    const again = Journal.open<E>(path);
    expect(again.contents.id).toBe(contents.id);
    expect(again.contents.records.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
    expect(again.contents.records.map((r) => r.e)).toEqual([1, 2, 3, 4, 5].map(ev));
    expect(again.journal.append(ev(6))).toBe(6);
    again.journal.close();
  });

  it("fsyncs within the window without an explicit flush", async () => {
    const path = join(scratch(), "db.journal");
    const { journal } = Journal.open<E>(path, { fsyncMs: 20 });
    const waited: number[] = [];
    journal.onSynced = (ms) => waited.push(ms);
    journal.append(ev(1));
    expect(readJournal<E>(path)!.records).toHaveLength(0); // not yet written
    await new Promise((r) => setTimeout(r, 80));
    expect(readJournal<E>(path)!.records).toHaveLength(1);
    expect(waited).toHaveLength(1);
    journal.close();
  });

  it("cuts a torn tail (no newline) and a corrupt record, keeping the valid prefix", () => {
    const path = join(scratch(), "db.journal");
    const { journal } = Journal.open<E>(path);
    for (let i = 1; i <= 4; i++) journal.append(ev(i));
    journal.close();
    const full = statSync(path).size;
    truncateSync(path, full - 5); // tear the last record
    const torn = Journal.open<E>(path);
    expect(torn.contents.records.map((r) => r.n)).toEqual([1, 2, 3]);
    expect(torn.contents.cutBytes).toBeGreaterThan(0);
    torn.journal.append(ev(99)); // appends after the cut, numbered on
    torn.journal.close();
    expect(readJournal<E>(path)!.records.map((r) => r.n)).toEqual([1, 2, 3, 4]);

    // flip one character inside record 2: it and everything after are dropped
    const text = readFileSync(path, "utf8");
    const lines = text.split("\n");
    lines[2] = lines[2].replace("X2", "Y2");
    writeFileSync(path, lines.join("\n"));
    const corrupt = Journal.open<E>(path);
    expect(corrupt.contents.records.map((r) => r.n)).toEqual([1]);
    corrupt.journal.close();
  });

  it("starts afresh after a save: a header plus warm records, keeping the numbering", () => {
    const path = join(scratch(), "db.journal");
    const { journal } = Journal.open<E>(path);
    for (let i = 1; i <= 10; i++) journal.append(ev(i));
    journal.writeNext(`${path}.next`, [ev(9), ev(10)]);
    renameSync(`${path}.next`, path);
    journal.reopen();
    journal.append(ev(11));
    journal.close();
    const c = readJournal<E>(path)!;
    expect(c.base).toBe(10);
    expect(c.records.map((r) => [r.n, r.e.i])).toEqual([
      [9, 9],
      [10, 10],
      [11, 11],
    ]);
  });

  it("ignores garbage after the header line without failing", () => {
    const path = join(scratch(), "db.journal");
    Journal.open<E>(path).journal.close();
    appendFileSync(path, "not a record\n");
    const { contents, journal } = Journal.open<E>(path);
    expect(contents.records).toEqual([]);
    journal.close();
  });
});
