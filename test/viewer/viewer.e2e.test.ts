/**
 * The viewer end to end, in Debian's headless chromium: every fixture recording opens via the
 * server's /db and via the file input (with its -wal), the list shows every sequence, the newest
 * shot's chart draws, compare overlays two shots, the SQL console answers, and text from the
 * database stays text.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Browser } from "playwright-core";
import { FIXTURES, RECORDINGS, scratch, SHOTS_RECORDING } from "../support/paths";
import { cli, sqlite3 } from "../support/cli";
import { FileSource, startServer, type RunningServer } from "../../src/server";
import { ensureBuilt, launchBrowser, pixelsOfColor, screenshot, VIEWER_DIR, waitForRows, watched, type WatchedPage } from "./browser";

const PRESSURE = "#12a37d";
const SHOT_COLORS = ["#1e88e5", "#e53935"];

/** A copy of a fixture database (and its -wal when it has one) in a scratch folder. */
function copyDatabase(from: string, folder: string, name = "pyde1.sqlite3"): { db: string; wal: string | null } {
  mkdirSync(folder, { recursive: true });
  const db = join(folder, name);
  copyFileSync(from, db);
  const wal = existsSync(`${from}-wal`) ? `${db}-wal` : null;
  if (wal) copyFileSync(`${from}-wal`, wal);
  return { db, wal };
}

/** Counts with the real sqlite3 on a separate copy (sqlite3 may write -wal/-shm files). */
function countWithSqlite(db: { db: string; wal: string | null }, sql: string): number {
  const folder = scratch("pyde1-viewer-count-");
  const copy = copyDatabase(db.db, folder);
  if (db.wal) copyFileSync(db.wal, `${copy.db}-wal`);
  return Number(sqlite3(copy.db, sql));
}

let browser: Browser;
const work = scratch("pyde1-viewer-e2e-");

beforeAll(async () => {
  ensureBuilt();
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

/** Opens a page that records dialogs and page errors. */
async function newPage(width = 1400, height = 900): Promise<WatchedPage> {
  return watched(await browser.newPage({ viewport: { width, height } }));
}

/** Serves a database file; the caller closes the server. */
async function serve(db: string): Promise<RunningServer> {
  return startServer({ source: await FileSource.open(db), port: 0, viewerDir: VIEWER_DIR, pollMs: 200 });
}

const cases = [
  ...RECORDINGS.map((name) => ({ name, file: join(FIXTURES, "recordings", name, "expected.sqlite3") })),
  { name: "live-wal", file: join(FIXTURES, "live-wal", "pyde1.sqlite3") },
];

describe.each(cases)("viewer with $name", ({ name, file }) => {
  const db = copyDatabase(file, join(work, name));
  const sequences = countWithSqlite(db, "SELECT count(*) FROM sequence WHERE id <> 'dummy'");
  const allRows = countWithSqlite(db, "SELECT count(*) FROM sequence");
  const newest = countWithSqlite(db, "SELECT count(*) FROM sequence WHERE id <> 'dummy' AND start_flow IS NOT NULL");
  // pyDE1 2.0's files say user_version 2 but hold schema 3's tables: the header names both
  const userVersion = countWithSqlite(db, "PRAGMA user_version");
  const v3Tables = countWithSqlite(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('device_availability', 'scale_change', 'bluedot_update')");
  const schemaText = userVersion === 2 && v3Tables === 3 ? "schema v3 (user_version 2)" : `schema v${userVersion}`;
  let server: RunningServer;

  beforeAll(async () => {
    server = await serve(db.db);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("loads via the server: every sequence listed, the newest shot charted, the SQL console answers", async () => {
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await waitForRows(page, sequences);
    const ids = await page.$$eval("#sequence-list li[data-sequence-id]", (lis) => lis.map((li) => li.getAttribute("data-sequence-id")));
    expect(new Set(ids).size).toBe(sequences);
    const titles = await page.$$eval("#sequence-list .seq-id", (els) => els.map((e) => e.getAttribute("title")));
    expect(titles).toEqual(ids);
    if (newest > 0) {
      await page.waitForFunction(() => document.querySelector("#shot-chart canvas") !== null);
      await page.waitForTimeout(150);
      expect(await pixelsOfColor(page, "#shot-chart canvas", PRESSURE)).toBeGreaterThan(50);
      expect(await page.getAttribute("body", "data-shown-sequence")).toBe(ids[0]);
    }
    await screenshot(page, `viewer-${name}-server`);

    await page.click('[data-tab="sql"]');
    await page.fill("#sql-input", "select count(*) from sequence");
    await page.click("#sql-run");
    await page.waitForSelector("#sql-results table.result");
    expect((await page.textContent("#sql-results table.result tbody td"))?.trim()).toBe(String(allRows));
    await screenshot(page, `viewer-${name}-sql`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("loads /db sent gzipped, as it goes to another computer: the same sequences and rows", async () => {
    const packed = await startServer({ source: await FileSource.open(db.db), port: 0, viewerDir: VIEWER_DIR, pollMs: 0, gzipDb: "always" });
    try {
      const { page, errors } = await newPage();
      const encodings: (string | null)[] = [];
      page.on("response", (r) => {
        if (new URL(r.url()).pathname === "/db") encodings.push(r.headers()["content-encoding"] ?? null);
      });
      await page.goto(packed.url);
      await waitForRows(page, sequences);
      expect(encodings).toEqual(["gzip"]);
      await page.click('[data-tab="sql"]');
      await page.fill("#sql-input", "select count(*) from sequence");
      await page.click("#sql-run");
      await page.waitForSelector("#sql-results table.result");
      expect((await page.textContent("#sql-results table.result tbody td"))?.trim()).toBe(String(allRows));
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await packed.close();
    }
  });

  it("loads via the file input, with the -wal picked alongside", async () => {
    const { page, errors } = await newPage();
    await page.goto(server.url);
    await waitForRows(page, sequences);
    const files = db.wal && statSync(db.wal).size > 0 ? [db.db, db.wal] : [db.db];
    await page.setInputFiles("#file-input", files);
    await page.waitForFunction(() => (window as unknown as { pyde1Viewer: { opened: number } }).pyde1Viewer.opened === 2);
    await waitForRows(page, sequences);
    expect(await page.textContent("#db-name")).toContain("pyde1.sqlite3");
    expect(await page.textContent("#db-name")).toContain(` · ${schemaText}`);
    if (files.length === 2) expect(await page.textContent("#db-name")).toContain("-wal applied");
    expect(errors).toEqual([]);
    await page.close();
  });

  // registered only where the recording holds two shots to compare (nothing registered and skipped)
  if (newest >= 2) {
    it("compare overlays two shots", async () => {
      const { page } = await newPage();
      await page.goto(server.url);
      await waitForRows(page, sequences);
      const boxes = page.locator("#sequence-list li[data-sequence-id] .compare-box");
      await boxes.nth(0).check();
      await boxes.nth(1).check();
      await page.click('[data-tab="compare"]');
      await page.waitForSelector("#compare-chart canvas");
      await page.waitForTimeout(150);
      expect(await page.locator("#compare-controls .compare-row").count()).toBe(2);
      for (const color of SHOT_COLORS) expect(await pixelsOfColor(page, "#compare-chart canvas", color)).toBeGreaterThan(50);
      await page.locator('#compare-controls input[type="range"]').nth(1).fill("3.5");
      expect(await page.textContent("#compare-controls .compare-row:nth-child(2) output")).toBe("+3.5 s");
      await screenshot(page, `viewer-${name}-compare`);
      await page.click('[data-tab="profile"]');
      await screenshot(page, `viewer-${name}-profile`);
      await page.close();
    });
  }
});

describe("viewer with a gzipped backup", () => {
  it("opens what 'backup --compress gzip' wrote, picked as it is; a damaged one is named in the error", async () => {
    const source = copyDatabase(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), scratch("pyde1-viewer-gz-"));
    const sequences = countWithSqlite(source, "SELECT count(*) FROM sequence WHERE id <> 'dummy'");
    const folder = scratch("pyde1-viewer-gz-");
    const made = cli(["backup", "--db", source.db, "--to", folder, "--compress", "gzip"]);
    expect(made.code).toBe(0);
    const gz = made.stdout.split("\n")[0]!;
    const server = await serve(source.db);
    try {
      const { page, errors } = await newPage();
      await page.goto(server.url);
      await waitForRows(page, sequences);
      await page.setInputFiles("#file-input", [gz]);
      await page.waitForFunction(() => (window as unknown as { pyde1Viewer: { opened: number } }).pyde1Viewer.opened === 2);
      await waitForRows(page, sequences);
      expect(await page.textContent("#db-name")).toContain(basename(gz));
      const cut = join(folder, "cut.sqlite3.gz");
      const bytes = readFileSync(gz);
      writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
      await page.setInputFiles("#file-input", [cut]);
      await page.waitForSelector("#error:not([hidden])");
      expect(await page.textContent("#error")).toContain("cut.sqlite3.gz: a gzip file that does not unpack");
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  });
});
