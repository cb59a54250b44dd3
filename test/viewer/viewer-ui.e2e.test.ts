/**
 * The viewer's behaviour beyond loading: text from the database stays text (an XSS title), keyboard
 * navigation, filters and search, downloads equal to the export code's output, ATTACH in the SQL
 * console, `?db=URL`, refreshing on the server's change event (only the blocks that changed), the
 * copy kept between visits, the engine loaded during the download, and a narrow screen.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, readFileSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, Worker } from "playwright-core";
import { FIXTURES, scratch, ASSUMED_RECORDING, SHOTS_RECORDING } from "../support/paths";
import { sqlite3 } from "../support/cli";
import { recordSyntheticShots } from "../support/synthetic-shots";
import { FileSource, startServer, type RunningServer } from "../../src/server";
import { readRecording } from "../recorder/expected";
import { ensureBuilt, launchBrowser, pixelsOfColor, screenshot, VIEWER_DIR, waitForRows, watched, type WatchedPage } from "./browser";

const XSS = "<img src=x onerror=alert(1)>";
const THREE = join(FIXTURES, "recordings", SHOTS_RECORDING);
/** The recording's expected tables (pyDE1's rows): what the viewer should list. */
const EXPECTED = readRecording(SHOTS_RECORDING);
const SEQUENCES = EXPECTED.tables["sequence"]!.rows.filter((r) => r["id"]![1] !== "dummy");
/** the shots the list shows (every sequence but pyDE1's `dummy` row); the tests need at least three */
const SHOTS = SEQUENCES.length;
/** pyDE1's profile title for a sequence, from the expected tables */
const profileTitle = (sequenceId: string): unknown => {
  const profileId = SEQUENCES.find((r) => r["id"]![1] === sequenceId)!["profile_id"]![1];
  return EXPECTED.tables["profile"]!.rows.find((r) => r["id"]![1] === profileId)!["title"]![1];
};
let browser: Browser;
let context: BrowserContext;
const work = scratch("pyde1-viewer-ui-");

/** A scratch copy of the three-shots database. */
function copyThree(name: string): string {
  const db = join(work, name);
  copyFileSync(join(THREE, "expected.sqlite3"), db);
  return db;
}

async function serve(db: string): Promise<RunningServer> {
  return startServer({ source: await FileSource.open(db), port: 0, viewerDir: VIEWER_DIR, pollMs: 150 });
}

/** What a test gets from {@link withServedCopy}. */
interface Served {
  server: RunningServer;
  /** the scratch copy the server serves */
  db: string;
  /** a new watched page of the shared context, closed after the test */
  page: () => Promise<WatchedPage>;
}

/**
 * Serves a scratch copy of the three-shots database (changed by `prepare` first, when given) to
 * `body`; afterwards, passed or failed, the pages it opened are closed and the server is stopped.
 */
async function withServedCopy(name: string, body: (s: Served) => Promise<void>, prepare?: (db: string) => void): Promise<void> {
  const db = copyThree(name);
  prepare?.(db);
  await withServed(db, body);
}

/** Serves `db` to `body`; afterwards, passed or failed, the pages it opened are closed and the server is stopped. */
async function withServed(db: string, body: (s: Served) => Promise<void>): Promise<void> {
  const server = await serve(db);
  const pages: Page[] = [];
  try {
    await body({
      server,
      db,
      page: async () => {
        const p = await context.newPage();
        pages.push(p);
        return watched(p);
      },
    });
  } finally {
    for (const p of pages) await p.close();
    await server.close();
  }
}

/**
 * Holds the page's first `/db` download after the server answered it: `fetched` settles once its
 * bytes are read, `release()` lets the page have them; `count()` is how many downloads were asked.
 */
async function holdFirstDownload(p: Page): Promise<{ fetched: Promise<void>; release: () => void; count: () => number }> {
  let fetched!: () => void;
  const wasFetched = new Promise<void>((r) => (fetched = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let downloads = 0;
  // `/db`, and `/db?since=` when the page asks for only what changed
  await p.route((url) => url.pathname === "/db", async (route) => {
    const response = await route.fetch();
    if (downloads++ === 0) {
      fetched();
      await released;
    }
    await route.fulfill({ response });
  });
  return { fetched: wasFetched, release, count: () => downloads };
}

/**
 * What the page's SQL console and sqlite3 on the file must agree on after a load: row counts, an
 * exact sum of the sample times, the profiles' sizes and the newest start.
 */
const SUMS =
  "(SELECT count(*) FROM sequence) || ' ' || (SELECT count(*) FROM shot_sample_with_volume_update) || ' ' || " +
  "(SELECT count(*) FROM weight_and_flow_update) || ' ' || (SELECT sum(CAST(round(de1_time * 1000) AS INTEGER)) FROM shot_sample_with_volume_update) || ' ' || " +
  "(SELECT total(length(source)) FROM profile) || ' ' || (SELECT printf('%.6f', max(start_sequence)) FROM sequence)";
let asked = 0;

/** The first cell of `SELECT expression` in a page's SQL console, run after the statements `before` (if any). */
async function askConsole(p: Page, expression: string, before = ""): Promise<string | undefined> {
  const column = `q${++asked}`; // a name of its own, so the previous answer is not taken for this one
  await p.click('[data-tab="sql"]');
  await p.fill("#sql-input", `${before}SELECT ${expression} AS ${column}`);
  await p.click("#sql-run");
  await p.waitForSelector(`#sql-results table.result th:text-is("${column}")`);
  return (await p.textContent("#sql-results table.result tbody td"))?.trim();
}

/** What each load of a page from a URL fetched (its test hook): a whole file, a delta, the kept copy. */
function loadsOf(p: Page): Promise<{ kind: string; bytes: number }[]> {
  return p.evaluate(() => (window as unknown as { pyde1Viewer: { loads: { kind: string; bytes: number }[] } }).pyde1Viewer.loads);
}

/**
 * The bytes held in ArrayBuffers by the worker of the page served from `origin` (its database
 * files and sql.js's memory) once garbage is collected, as chromium's DevTools protocol reports them.
 */
async function workerBufferBytes(origin: string): Promise<number> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = await cdp.send("Target.getTargets");
    const worker = targetInfos.find((t) => t.type === "worker" && t.url.startsWith(origin));
    if (!worker) throw new Error(`no worker of a page from ${origin}`);
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId: worker.targetId, flatten: false });
    const answer = new Promise<{ result: { backingStorageSize: number } }>((resolve) =>
      cdp.on("Target.receivedMessageFromTarget", (e) => {
        const m = JSON.parse(e.message) as { id?: number; result: { backingStorageSize: number } };
        if (m.id === 1) resolve(m);
      }),
    );
    // what is still reachable: garbage first collected, as it would be before memory ran short
    await cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id: 0, method: "HeapProfiler.collectGarbage" }) });
    await cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id: 1, method: "Runtime.getHeapUsage" }) });
    return (await answer).result.backingStorageSize;
  } finally {
    await cdp.detach();
  }
}

/** Each copy a page kept in the browser, and the bytes written for it (its test hook). */
function keepsOf(p: Page): Promise<{ id: string; written: number }[]> {
  return p.evaluate(() => (window as unknown as { pyde1Viewer: { keeps: { id: string; written: number }[] } }).pyde1Viewer.keeps);
}

/** Waits until the page says it refreshed by a delta ("refreshed (0.6 MB of changes)"). */
function refreshedByDelta(p: Page): Promise<unknown> {
  return p.waitForFunction(() => /refreshed \(\d/.test(document.getElementById("status")?.textContent ?? ""));
}

/** Waits until the page has kept more than `n` copies in the browser. */
function keptMoreThan(p: Page, n: number): Promise<unknown> {
  return p.waitForFunction((k) => (window as unknown as { pyde1Viewer: { keeps: unknown[] } }).pyde1Viewer.keeps.length > k, n);
}

/** The least the page's worker held in ArrayBuffers over four readings 0.5 s apart: what it holds for good. */
async function heldAtRest(origin: string): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 4; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 500));
    least = Math.min(least, await workerBufferBytes(origin));
  }
  return least;
}

/**
 * Counts, in the worker of the page about to be loaded, the bytes of the pieces put into IndexedDB
 * whose requests have not completed (each is a copy held meanwhile); returns a reader of the most
 * at once.
 */
function countPiecesInPassing(p: Page): () => Promise<number> {
  const installed = new Promise<Worker>((resolve) =>
    p.once("worker", (w) => {
      void w
        .evaluate(() => {
          const counts = { now: 0, most: 0 };
          (self as unknown as { piecesInPassing: typeof counts }).piecesInPassing = counts;
          const put = IDBObjectStore.prototype.put;
          IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
            const request = put.call(this, value, key);
            const n = value instanceof Uint8Array ? value.byteLength : 0;
            counts.now += n;
            counts.most = Math.max(counts.most, counts.now);
            const done = () => (counts.now -= n);
            request.addEventListener("success", done);
            request.addEventListener("error", done);
            return request;
          };
        })
        .then(() => resolve(w));
    }),
  );
  return async () => (await installed).evaluate(() => (self as unknown as { piecesInPassing: { most: number } }).piecesInPassing.most);
}

/** Deletes the oldest shot from a copy of the three-shots database (as another process would). */
function deleteOneShot(db: string): void {
  sqlite3(db, "DELETE FROM sequence WHERE id = (SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence LIMIT 1)");
}

beforeAll(async () => {
  ensureBuilt();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: "UTC", acceptDownloads: true });
}, 180_000);
afterAll(async () => {
  await browser?.close();
});

describe("viewer behaviour", () => {
  it("shows a profile title that is HTML as text, and no dialog fires", async () => {
    const xssTitles = (db: string) =>
      sqlite3(db, `UPDATE profile SET title = '${XSS}', author = '${XSS}', notes = '${XSS}' WHERE id <> 'dummy'`);
    await withServedCopy(
      "xss.sqlite3",
      async ({ server, page }) => {
        const { page: p, dialogs, errors } = await page();
        await p.goto(server.url);
        await waitForRows(p, SHOTS);
        expect(await p.locator("#sequence-list li[data-sequence-id] .profile").first().textContent()).toBe(XSS);
        expect(await p.textContent("#shot-title")).toBe(XSS);
        await p.click('[data-tab="profile"]');
        expect(await p.textContent("#profile-title")).toBe(XSS);
        expect(await p.locator("img").count()).toBe(0);
        await p.selectOption("#filter-profile", XSS);
        await waitForRows(p, SHOTS);
        await p.waitForTimeout(300);
        expect(dialogs).toEqual([]);
        expect(errors).toEqual([]);
        await screenshot(p, "viewer-xss-title");
      },
      xssTitles,
    );
  });

  it("moves with the keyboard, filters, searches, and downloads what the export code writes", async () => {
    await withServedCopy("keys.sqlite3", async ({ server, page }) => {
      const { page: p, errors } = await page();
      await p.goto(server.url);
      await waitForRows(p, SHOTS);
      const ids = await p.$$eval("#sequence-list li[data-sequence-id]", (lis) => lis.map((li) => li.getAttribute("data-sequence-id")!));
      await p.waitForFunction((id) => document.body.dataset.shownSequence === id, ids[0]);
      await p.focus("#sequence-list");
      await p.keyboard.press("ArrowDown");
      await p.keyboard.press("ArrowDown");
      await p.keyboard.press("Enter");
      await p.waitForFunction((id) => document.body.dataset.shownSequence === id, ids[2]);
      await p.keyboard.press("ArrowUp");
      await p.keyboard.press("Enter");
      await p.waitForFunction((id) => document.body.dataset.shownSequence === id, ids[1]);
      expect(await pixelsOfColor(p, "#shot-chart canvas", "#12a37d")).toBeGreaterThan(50);

      await p.fill("#filter-search", ids[2].slice(0, 8));
      await waitForRows(p, 1);
      await p.fill("#filter-search", "");
      await waitForRows(p, SHOTS);
      await p.selectOption("#filter-state", "Steam");
      await waitForRows(p, SEQUENCES.filter((r) => r["active_state"]![1] === "Steam").length);
      await p.selectOption("#filter-state", "Espresso");
      await waitForRows(p, SEQUENCES.filter((r) => r["active_state"]![1] === "Espresso").length);
      await p.fill("#filter-from", "2030-01-01");
      await p.dispatchEvent("#filter-from", "change");
      await waitForRows(p, 0);
      await p.fill("#filter-from", "");
      await p.dispatchEvent("#filter-from", "change");
      await waitForRows(p, SHOTS);

      for (const [format, ext] of [["legacy", "shot"], ["json", "json"], ["csv", "csv"]] as const) {
        const [download] = await Promise.all([p.waitForEvent("download"), p.click(`#shot-downloads [data-format="${format}"]`)]);
        expect(download.suggestedFilename()).toBe(`${ids[1]}.${ext}`);
        const text = readFileSync(await download.path(), "utf8");
        const api = await (await fetch(`${server.url}api/sequences/${ids[1]}/shot?format=${format}`)).text();
        if (format === "legacy") expect(text).toBe(readFileSync(join(THREE, "shots", `${ids[1]}.shot`), "utf8"));
        else expect(text).toBe(api);
      }
      await p.click('[data-tab="profile"]');
      const [profile] = await Promise.all([p.waitForEvent("download"), p.click("#download-profile")]);
      expect(JSON.parse(readFileSync(await profile.path(), "utf8")).title).toBe(profileTitle(ids[1]));
      expect(errors).toEqual([]);
    });
  });

  it("ATTACHes a second database in the SQL console and joins against it", async () => {
    await withServedCopy("attach.sqlite3", async ({ server, page }) => {
      const { page: p } = await page();
      await p.goto(server.url);
      await waitForRows(p, SHOTS);
      await p.click('[data-tab="sql"]');
      await p.fill("#attach-name", "arch");
      await p.setInputFiles("#attach-file", join(FIXTURES, "recordings", ASSUMED_RECORDING, "expected.sqlite3"));
      await p.waitForFunction(() => document.getElementById("attach-status")?.textContent?.includes("attached as"));
      await p.fill("#sql-input", "SELECT (SELECT count(*) FROM main.sequence) + (SELECT count(*) FROM arch.sequence) AS total");
      await p.click("#sql-run");
      await p.waitForSelector("#sql-results table.result");
      const other = join(work, "c2.sqlite3");
      copyFileSync(join(FIXTURES, "recordings", ASSUMED_RECORDING, "expected.sqlite3"), other);
      const total = Number(sqlite3(copyThree("c1.sqlite3"), "SELECT count(*) FROM sequence")) + Number(sqlite3(other, "SELECT count(*) FROM sequence"));
      expect(Number(await p.textContent("#sql-results tbody td"))).toBe(total);
      await p.fill("#sql-input", "SELECT nope FROM nowhere");
      await p.click("#sql-run");
      expect(await p.textContent("#sql-results .sql-error")).toContain("no such table");
      await screenshot(p, "viewer-sql-error");
    });
  });

  it("opens ?db=URL, and refreshes its list when the served file changes", async () => {
    await withServedCopy("live.sqlite3", async ({ server, db, page }) => {
      const { page: p } = await page();
      await p.goto(`${server.url}?db=${encodeURIComponent("/db")}`);
      await waitForRows(p, SHOTS);
      await p.goto(server.url);
      await waitForRows(p, SHOTS);
      await p.waitForTimeout(300);
      deleteOneShot(db);
      await waitForRows(p, SHOTS - 1);
    });
  });

  it("after a shot loads only the blocks that changed, and holds exactly what the file holds; a delta that does not apply loads the whole file", async () => {
    const db = join(work, "delta.sqlite3");
    const record = (seed: number, shots: number, start: number) => recordSyntheticShots(db, seed, shots, start);
    record(41, 8, 1_700_000_000); // ~1.5 MB: eight shots
    await withServed(db, async ({ server, page }) => {
      const { page: p, errors } = await page();
      const ask = (expression: string) => askConsole(p, expression);
      const loads = () => loadsOf(p);
      await p.goto(server.url);
      await waitForRows(p, 8);
      for (const [n, seed] of [[9, 42], [10, 43]]) {
        record(seed, 1, 1_700_000_000 + seed * 100_000);
        await waitForRows(p, n);
        await refreshedByDelta(p);
        const last = (await loads()).at(-1)!;
        expect(last.kind).toBe("delta");
        expect(last.bytes).toBeLessThan(statSync(db).size / 4);
        expect(await ask(SUMS)).toBe(sqlite3(db, `SELECT ${SUMS}`));
        expect(await ask("(SELECT group_concat(integrity_check) FROM pragma_integrity_check)")).toBe("ok");
      }
      expect((await loads()).map((l) => l.kind)).toEqual(["whole", "delta", "delta"]);
      // the next delta arrives damaged (cut short): the page loads the whole file instead
      await p.route(
        (url) => url.pathname === "/db" && url.searchParams.has("since"),
        async (route) => {
          const response = await route.fetch();
          const body = await response.body();
          await route.fulfill({ response, body: body.subarray(0, body.length - 1) });
        },
        { times: 1 },
      );
      record(44, 1, 1_700_000_000 + 44 * 100_000);
      await waitForRows(p, 11);
      expect((await loads()).map((l) => l.kind)).toEqual(["whole", "delta", "delta", "refused", "whole"]);
      expect(await ask(SUMS)).toBe(sqlite3(db, `SELECT ${SUMS}`));
      expect(errors).toEqual([]);
    });
  });

  it("holds the database once while keeping it for a delta; what the SQL console writes stays out of the next delta and of the copy kept in the browser", async () => {
    const db = join(work, "once.sqlite3");
    const record = (seed: number) => recordSyntheticShots(db, seed, 1, 1_700_000_000 + seed * 100_000);
    recordSyntheticShots(db, 61, 8, 1_700_000_000);
    // 24 MB more, so that a second copy of the file stands out from sql.js's own memory
    sqlite3(db, "CREATE TABLE padding (b); INSERT INTO padding VALUES (randomblob(24000000))");
    await withServed(db, async ({ server, page }) => {
      const origin = server.url.replace(/\/$/, "");
      const { page: p, errors } = await page();
      const mostInPassing = countPiecesInPassing(p);
      await p.goto(`${server.url}?keep=on`);
      await waitForRows(p, 8);
      const size = () => statSync(db).size;
      // while the page keeps the load in the browser (2 s after it), each piece put is copied until
      // its request completes: at most a batch (8 MB) of them at once, not a second copy of the file
      await keptMoreThan(p, 0);
      expect(await mostInPassing()).toBeGreaterThan(0);
      expect(await mostInPassing()).toBeLessThanOrEqual(128 * 64 * 1024);
      // the bytes held for good, once the page has kept each load: the least of a few readings, as a
      // load or keep that begins meanwhile (the recorder saves more than once) holds more in passing
      const afterWhole = await heldAtRest(origin);
      record(62);
      await waitForRows(p, 9);
      await refreshedByDelta(p);
      await keptMoreThan(p, 1);
      const afterDelta = await heldAtRest(origin);
      // the file once, and sql.js's memory (~20 MB here): a second copy would add the file's size
      for (const held of [afterWhole, afterDelta]) expect(held).toBeLessThan(size() * 1.5);
      // the console changes the page's database; the next delta must still apply to the bytes the server sent
      const emptied = await askConsole(p, "(SELECT count(*) FROM weight_and_flow_update)", "DELETE FROM weight_and_flow_update; CREATE TABLE scratch AS SELECT 1 AS x; ");
      expect(emptied).toBe("0");
      record(63);
      await waitForRows(p, 10);
      const keepsAtLoad = (await keepsOf(p)).length;
      // at once, before the page keeps this load in the browser (2 s after it): the console writes again
      await askConsole(p, "1", "DELETE FROM shot_sample_with_volume_update; ");
      expect((await loadsOf(p)).map((l) => l.kind)).toEqual(["whole", "delta", "delta"]);
      await keptMoreThan(p, keepsAtLoad);
      // the next visit reads the kept 26 MB back (in several reads of its pieces): the server's
      // snapshot, without the console's writes, and nothing more to fetch
      await p.reload();
      await waitForRows(p, 10);
      expect((await loadsOf(p)).map((l) => l.kind)).toEqual(["kept"]);
      expect(await askConsole(p, SUMS)).toBe(sqlite3(db, `SELECT ${SUMS}`));
      expect(await askConsole(p, "(SELECT count(*) FROM sqlite_master WHERE name = 'scratch')")).toBe("0");
      expect(await askConsole(p, "(SELECT group_concat(integrity_check) FROM pragma_integrity_check)")).toBe("ok");
      expect(errors).toEqual([]);
    });
  });

  it("keeps a copy between visits, rewriting only its changed pieces: the next visit downloads only the blocks it lacks, from a restarted server; ?keep=off forgets it", async () => {
    const db = join(work, "kept.sqlite3");
    const record = (seed: number, shots: number, start: number) => recordSyntheticShots(db, seed, shots, start);
    record(51, 8, 1_700_000_000);
    const ask = askConsole;
    const loads = loadsOf;
    let server = await serve(db);
    const port = server.port;
    try {
      const first = watched(await context.newPage());
      await first.page.goto(`${server.url}?keep=on`);
      await waitForRows(first.page, 8);
      await first.page.waitForFunction(() => document.body.dataset.kept !== undefined);
      expect((await loads(first.page)).map((l) => l.kind)).toEqual(["whole"]);
      expect((await keepsOf(first.page)).map((k) => k.written)).toEqual([statSync(db).size]);
      // a shot while the page is open: a delta, and only the pieces of the copy that changed are written again
      record(54, 1, 1_700_050_000);
      await waitForRows(first.page, 9);
      await keptMoreThan(first.page, 1);
      const rewritten = (await keepsOf(first.page))[1].written;
      const delta = (await loads(first.page))[1];
      expect(delta.kind).toBe("delta");
      expect(rewritten).toBeGreaterThan(0);
      // at most one 64 KB piece for each block the delta brought, and the last piece
      expect(rewritten).toBeLessThanOrEqual((Math.ceil(delta.bytes / 4096) + 1) * 65536);
      expect(rewritten).toBeLessThan(statSync(db).size / 2);
      await first.page.close();
      // the server restarts (its snapshot ids are new) and a shot is recorded meanwhile
      await server.close();
      record(52, 1, 1_700_100_000);
      server = await startServer({ source: await FileSource.open(db), port, viewerDir: VIEWER_DIR, pollMs: 150 });
      const second = watched(await context.newPage());
      await second.page.goto(`${server.url}?keep=on`);
      await waitForRows(second.page, 10);
      const [kept] = await loads(second.page);
      expect(kept.kind).toBe("kept");
      expect(kept.bytes).toBeLessThan(statSync(db).size / 4);
      await second.page.waitForFunction(() => /from this browser's copy \(\d/.test(document.getElementById("status")?.textContent ?? ""));
      expect(await ask(second.page, SUMS)).toBe(sqlite3(db, `SELECT ${SUMS}`));
      expect(await ask(second.page, "(SELECT group_concat(integrity_check) FROM pragma_integrity_check)")).toBe("ok");
      // and it goes on as any page: the next shot by a delta
      record(53, 1, 1_700_200_000);
      await waitForRows(second.page, 11);
      expect((await loads(second.page)).map((l) => l.kind)).toEqual(["kept", "delta"]);
      expect(await ask(second.page, SUMS)).toBe(sqlite3(db, `SELECT ${SUMS}`));
      expect(second.errors).toEqual([]);
      await second.page.close();
      // ?keep=off loads the whole file and forgets the copy: a later visit finds none
      const off = watched(await context.newPage());
      await off.page.goto(`${server.url}?keep=off`);
      await waitForRows(off.page, 11);
      expect((await loads(off.page)).map((l) => l.kind)).toEqual(["whole"]);
      await off.page.close();
      const after = watched(await context.newPage());
      await after.page.goto(`${server.url}?keep=on`);
      await waitForRows(after.page, 11);
      expect((await loads(after.page)).map((l) => l.kind)).toEqual(["whole"]);
      await after.page.close();
    } finally {
      await server.close();
    }
  });

  it("with a copy kept in the earlier format (one record), loads the whole file and keeps a new copy in pieces", async () => {
    await withServedCopy("kept-v1.sqlite3", async ({ server, db, page }) => {
      const { page: p, errors } = await page();
      await p.goto(`${server.url}nonexistent-page`); // same origin, before the viewer runs
      // what the viewer of session 21 kept: IndexedDB version 1, the whole copy in one record
      await p.evaluate(
        () =>
          new Promise<void>((done, fail) => {
            const req = indexedDB.open("pyde1-viewer", 1);
            req.onupgradeneeded = () => req.result.createObjectStore("kept");
            req.onsuccess = () => {
              const tx = req.result.transaction("kept", "readwrite");
              tx.objectStore("kept").put({ id: "old-1", name: "db", bytes: new Uint8Array(8192), hashes: new Uint8Array(16) }, "database");
              tx.oncomplete = () => (req.result.close(), done());
              tx.onerror = () => fail(tx.error);
            };
            req.onerror = () => fail(req.error);
          }),
      );
      await p.goto(`${server.url}?keep=on`);
      await waitForRows(p, SHOTS);
      await p.waitForFunction(() => document.body.dataset.kept !== undefined);
      expect((await loadsOf(p)).map((l) => l.kind)).toEqual(["whole"]);
      expect((await keepsOf(p)).map((k) => k.written)).toEqual([statSync(db).size]);
      expect(errors).toEqual([]);
    });
  });

  it("reloads once more when the file changes while a reload is running, so the last change is shown", async () => {
    await withServedCopy("racing.sqlite3", async ({ server, db, page }) => {
      const { page: p, errors } = await page();
      await p.goto(server.url);
      await waitForRows(p, SHOTS);
      // the first reload's download is held: its bytes are from before the DELETE below
      const held = await holdFirstDownload(p);
      const later = new Date(Date.now() + 5_000);
      utimesSync(db, later, later); // a change event without a change of rows
      await held.fetched;
      deleteOneShot(db);
      await p.waitForTimeout(1_000); // its change event reaches the page while the first reload waits
      held.release();
      await waitForRows(p, SHOTS - 1);
      expect(held.count()).toBeGreaterThanOrEqual(2);
      expect(errors).toEqual([]);
    });
  });

  it("shows a change made while the first load was on its way", async () => {
    await withServedCopy("first-load.sqlite3", async ({ server, db, page }) => {
      const { page: p, errors } = await page();
      const held = await holdFirstDownload(p);
      await p.goto(server.url);
      await held.fetched;
      deleteOneShot(db);
      await p.waitForTimeout(1_000); // the server's change event goes out while the first bytes are held
      held.release();
      await waitForRows(p, SHOTS - 1);
      expect(held.count()).toBe(2);
      expect(errors).toEqual([]);
    });
  });

  it("loads sql.js while the database is still downloading", async () => {
    await withServedCopy("early-engine.sqlite3", async ({ server, page }) => {
      const { page: p, errors } = await page();
      const held = await holdFirstDownload(p);
      const engine = p.waitForResponse((r) => new URL(r.url()).pathname === "/sql-wasm.wasm", { timeout: 15_000 });
      await p.goto(server.url);
      await held.fetched;
      expect((await engine).ok()).toBe(true); // while the database's bytes are still held back
      expect(held.count()).toBe(1);
      held.release();
      await waitForRows(p, SHOTS);
      expect(errors).toEqual([]);
    });
  });

  it("reloads after reconnecting to a restarted server (changes made while it was down)", async () => {
    const db = copyThree("restart.sqlite3");
    let server = await serve(db);
    const port = server.port;
    const { page: p } = watched(await context.newPage());
    try {
      await p.goto(server.url);
      await waitForRows(p, SHOTS);
      await server.close();
      deleteOneShot(db);
      server = await startServer({ source: await FileSource.open(db), port, viewerDir: VIEWER_DIR, pollMs: 150 });
      await waitForRows(p, SHOTS - 1); // the page's event stream reconnects (retry: 2 s) and reloads
    } finally {
      await p.close();
      await server.close();
    }
  });

  it("opens a dropped database, and explains a dropped file that is not one", async () => {
    await withServedCopy("drop.sqlite3", async ({ server, page }) => {
      const { page: p, errors } = await page();
      await p.goto(server.url);
      await waitForRows(p, SHOTS);
      const drop = (url: string | null, name: string) =>
        p.evaluate(
          async ([u, n]) => {
            const bytes = u ? await (await fetch(u)).arrayBuffer() : new TextEncoder().encode("not a database at all, just text").buffer;
            const data = new DataTransfer();
            data.items.add(new File([bytes], n));
            document.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
          },
          [url, name] as const,
        );
      await drop("db", "dropped.sqlite3");
      await p.waitForFunction(() => document.getElementById("db-name")?.textContent?.includes("dropped.sqlite3"));
      await waitForRows(p, SHOTS);
      await drop(null, "notes.txt");
      await p.waitForSelector("#error:not([hidden])");
      expect(await p.textContent("#error")).toContain("not an SQLite database");
      await waitForRows(p, SHOTS);
      expect(errors).toEqual([]);
    });
  });

  it("fits a narrow screen", async () => {
    await withServedCopy("narrow.sqlite3", async ({ server }) => {
      const narrow = await browser.newPage({ viewport: { width: 420, height: 900 } });
      try {
        await narrow.goto(server.url);
        await waitForRows(narrow, 3);
        await narrow.waitForSelector("#shot-chart canvas");
        const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        await screenshot(narrow, "viewer-narrow");
      } finally {
        await narrow.close();
      }
    });
  });
});
