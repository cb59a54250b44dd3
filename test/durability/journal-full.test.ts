/**
 * The journal on a full disk, at unit level on a real tmpfs: a flush that runs out of space leaves
 * only whole records in the file (a partial batch is cut off), keeps the records in memory, says
 * so once, and writes them all, in order, once space returns.
 */
import { afterAll, describe, expect, it } from "vitest";
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Journal } from "../../src/store/persist/journal";
import { readJournal } from "../../src/store/persist/journal-format";
import { Tmpfs } from "../support/tmpfs";


describe("the journal on a full disk", () => {
  const mounts: Tmpfs[] = [];
  afterAll(() => {
    for (const m of mounts) m.unmount();
  });

  it("cuts a partial batch, keeps the records, reports once, and writes them all when space returns", () => {
    const fs = Tmpfs.mount(1024 * 1024);
    mounts.push(fs);
    const path = join(fs.dir, "db.sqlite3.journal");
    const { journal } = Journal.open<{ k: number; pad: string }>(path, { fsyncMs: 100000 });
    const reports: (string | null)[] = [];
    journal.onWriteError = (e, waiting) => reports.push(e ? `${(e as NodeJS.ErrnoException).code} ${waiting}` : null);
    const pad = "p".repeat(200);
    let k = 0;
    for (; k < 100; k++) journal.append({ k, pad });
    journal.flush();
    // fill the rest of the disk
    const filler = join(fs.dir, "filler");
    const fd = openSync(filler, "w");
    try {
      for (;;) writeSync(fd, Buffer.alloc(4096));
    } catch {
      /* full */
    } finally {
      closeSync(fd);
    }
    for (; k < 2000; k++) journal.append({ k, pad }); // ~500 KB: cannot fit until the filler goes
    expect(() => journal.flush()).toThrow(/ENOSPC/);
    expect(() => journal.flush()).toThrow(/ENOSPC/);
    expect(reports).toEqual(["ENOSPC 1900"]); // said once
    const onDisk = readJournal<{ k: number }>(path)!;
    expect(onDisk.cutBytes).toBe(0); // no torn record left behind
    expect(onDisk.records.map((r) => r.e.k)).toEqual([...Array(100).keys()]);
    unlinkSync(filler);
    journal.flush();
    expect(reports).toEqual(["ENOSPC 1900", null]);
    journal.close();
    const after = readJournal<{ k: number }>(path)!;
    expect(after.cutBytes).toBe(0);
    expect(after.records.map((r) => r.e.k)).toEqual([...Array(2000).keys()]);
    expect(after.records.map((r) => r.n)).toEqual([...Array(2000).keys()].map((i) => i + 1));
  });
});
