import { describe, expect, it } from "vitest";
import { appendFileSync, existsSync, readFileSync, renameSync, truncateSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Journal } from "../../src/store/persist/journal";
import { crc32, readJournal } from "../../src/store/persist/journal-format";
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

  it("writes a record that comes alone at the next turn of the event loop, and one that follows a timed flush within a quarter of the window after it", async () => {
    const path = join(scratch(), "db.journal");
    const quarter = 1000;
    const { journal } = Journal.open<E>(path, { fsyncMs: 4 * quarter });
    const waited: number[] = [];
    journal.onSynced = (ms) => waited.push(ms);
    await new Promise((r) => setTimeout(r, quarter + 50)); // the journal opened more than a quarter of a window ago
    journal.append(ev(1)); // alone, as at the DE1's rate: its own fsync, without waiting a quarter of the window
    await new Promise((r) => setTimeout(r, 20));
    expect(readJournal<E>(path)!.records.map((r) => r.n)).toEqual([1]);
    expect(waited[0]).toBeLessThan(quarter / 2);
    // a burst right after that flush: written together once a quarter of the window since it has passed
    const burstAt = performance.now();
    for (let i = 2; i <= 4; i++) journal.append(ev(i));
    await new Promise((r) => setTimeout(r, quarter / 2));
    expect(readJournal<E>(path)!.records.map((r) => r.n)).toEqual([1]); // still waiting
    await new Promise<void>((r) => {
      journal.onSynced = (ms) => (waited.push(ms), r());
    });
    const burstWaited = performance.now() - burstAt;
    expect(burstWaited).toBeGreaterThan(quarter * 0.9);
    // and not half the window: a record the spacing delayed must not pass that delay on to the next
    // at the DE1's rate (a message every ~50 ms, half of the default 100 ms window)
    expect(burstWaited).toBeLessThan(quarter * 1.5);
    expect(readJournal<E>(path)!.records.map((r) => r.n)).toEqual([1, 2, 3, 4]);
    expect(waited).toHaveLength(2); // one fsync for the three
    // a flush of its own (a save's) does not hold back the next record for a quarter of a window
    await new Promise((r) => setTimeout(r, quarter + 50));
    journal.append(ev(5));
    journal.flush();
    journal.append(ev(6));
    await new Promise((r) => setTimeout(r, 50));
    expect(readJournal<E>(path)!.records.map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 6]);
    journal.close();
  });

  it("writes a block per flush; cuts a torn block and a corrupt one, keeping the valid prefix", () => {
    const path = join(scratch(), "db.journal");
    const { journal } = Journal.open<E>(path);
    for (let i = 1; i <= 3; i++) journal.append(ev(i));
    journal.flush(); // block 1: records 1–3
    journal.append(ev(4));
    journal.close(); // block 2: record 4
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines[1]).toMatch(/^#[0-9a-f]{8} \d+ 1$/);
    expect(lines[5]).toMatch(/^#[0-9a-f]{8} \d+ 4$/);
    const full = statSync(path).size;
    truncateSync(path, full - 5); // tear the last block
    const torn = Journal.open<E>(path);
    expect(torn.contents.records.map((r) => r.n)).toEqual([1, 2, 3]);
    expect(torn.contents.cutBytes).toBeGreaterThan(0);
    expect(statSync(path).size).toBe(full - 5 - torn.contents.cutBytes); // cut on disk at open
    torn.journal.append(ev(99)); // appends after the cut, numbered on
    torn.journal.close();
    expect(readJournal<E>(path)!.records.map((r) => [r.n, r.e.i])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 99],
    ]);

    // flip one character inside block 1: it and everything after are dropped
    writeFileSync(path, readFileSync(path, "utf8").replace("X2", "Y2"));
    const corrupt = Journal.open<E>(path);
    expect(corrupt.contents.records).toEqual([]);
    expect(corrupt.contents.cutBytes).toBeGreaterThan(0);
    corrupt.journal.close();
  });

  it("reads a journal of the first format (a line per record) and appends blocks after it", () => {
    const path = join(scratch(), "db.journal");
    const line = (n: number) => {
      const json = JSON.stringify({ n, e: ev(n) });
      return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
    };
    writeFileSync(path, `${JSON.stringify({ journal: "old-id", base: 1 })}\n${line(1)}${line(2)}`);
    const { journal, contents } = Journal.open<E>(path);
    expect(contents).toMatchObject({ id: "old-id", base: 1, cutBytes: 0 });
    expect(contents.records.map((r) => r.e)).toEqual([ev(1), ev(2)]);
    journal.append(ev(3));
    journal.close();
    expect(readJournal<E>(path)!.records.map((r) => r.n)).toEqual([1, 2, 3]);
  });

  it("uses the codec it is given for record lines, and cuts a block that does not decode", () => {
    const path = join(scratch(), "db.journal");
    const codec = { encode: (e: E) => `${e.i}|${e.topic}`, decode: (l: string): E => {
      const [i, topic] = l.split("|");
      if (!topic) throw new Error("not a record");
      return { topic, i: Number(i) };
    } };
    const { journal } = Journal.open<E>(path, { codec });
    journal.append(ev(1));
    journal.append(ev(2));
    journal.close();
    expect(readFileSync(path, "utf8")).toContain("\n1|pyDE1/X1\n2|pyDE1/X2\n");
    expect(readJournal<E>(path, codec)!.records.map((r) => r.e)).toEqual([ev(1), ev(2)]);
    expect(readJournal<E>(path)!.records).toEqual([]); // JSON cannot read these lines: cut, not misread
  });

  it("starts afresh after a save: a header plus warm records, keeping the numbering", () => {
    const path = join(scratch(), "db.journal");
    const { journal } = Journal.open<E>(path);
    for (let i = 1; i <= 10; i++) journal.append(ev(i));
    journal.writeNext(`${path}.next`, [ev(9), ev(10)]);
    journal.append(ev(11)); // while the save runs: to both files
    journal.flush();
    renameSync(`${path}.next`, path);
    journal.adoptNext();
    journal.append(ev(12));
    journal.close();
    const c = readJournal<E>(path)!;
    expect(c.base).toBe(10);
    expect(c.records.map((r) => [r.n, r.e.i])).toEqual([
      [9, 9],
      [10, 10],
      [11, 11],
      [12, 12],
    ]);
  });

  it("while a save runs, appends to the next journal too; a failed save drops it and the journal holds everything", () => {
    const path = join(scratch(), "db.journal");
    const { journal } = Journal.open<E>(path);
    for (let i = 1; i <= 5; i++) journal.append(ev(i));
    journal.writeNext(`${path}.next`, [ev(5)]);
    journal.append(ev(6));
    journal.append(ev(7));
    journal.flush();
    // a crash now, before the renames: both files hold 6 and 7 (the one that survives is chosen by the file's mark)
    expect(readJournal<E>(`${path}.next`)!.records.map((r) => r.n)).toEqual([5, 6, 7]);
    expect(readJournal<E>(path)!.records.map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    journal.dropNext(); // the save failed
    expect(existsSync(`${path}.next`)).toBe(false);
    journal.append(ev(8));
    journal.close();
    expect(readJournal<E>(path)!.records.map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(readJournal<E>(path)!.base).toBe(0);
  });

  it("keeps blocks larger than its starting buffer, and text of every UTF-8 length, exact", () => {
    const path = join(scratch(), "db.journal");
    const { journal } = Journal.open<E>(path);
    // 1-, 2-, 3- and 4-byte UTF-8 characters; ~1.3 MB in one block, then a second, small block
    const text = (i: number) => `pyDE1/${"aé€😀".repeat(1 + (i % 700))}/${i}`;
    const first = Array.from({ length: 800 }, (_, i) => ({ topic: text(i), i }));
    first[0].topic = "€".repeat(30_000); // 30,000 UTF-16 units, 90,000 bytes: more than the buffer's start
    first[1].topic = "😀".repeat(20_000);
    for (const e of first) journal.append(e);
    journal.flush();
    journal.append({ topic: "after", i: 800 });
    journal.close();
    const bytes = readFileSync(path);
    const heads = bytes.toString("latin1").split("\n").filter((l) => l.startsWith("#"));
    expect(heads).toHaveLength(2);
    const [, len1, first1] = heads[0].split(" ");
    const body1 = Buffer.from(first.map((e) => `${JSON.stringify(e)}\n`).join(""), "utf8");
    expect(Number(len1)).toBe(body1.length);
    expect(Number(len1)).toBeGreaterThan(1_000_000);
    expect(Number(first1)).toBe(1);
    expect(heads[0].slice(1, 9)).toBe(crc32(body1).toString(16).padStart(8, "0"));
    const again = readJournal<E>(path)!;
    expect(again.cutBytes).toBe(0);
    expect(again.records.map((r) => r.e)).toEqual([...first, { topic: "after", i: 800 }]);
    expect(again.records.map((r) => r.n)).toEqual(Array.from({ length: 801 }, (_, i) => i + 1));
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
