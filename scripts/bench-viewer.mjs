#!/usr/bin/env node
// Benchmarks the viewer in headless chromium (issue 8): opens a database through
// `pyde1-store serve` and reports, as JSON, the ms from navigation to the first drawn shot chart,
// and the redraw time of the chart for the shot whose flow lasted closest to 90 s.
//
//   npm run build && node scripts/bench-viewer.mjs /path/to/large.sqlite3 [--runs 30]
//
// Needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium). Does not write the file.
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--"));
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 30;
if (!file || !existsSync(file)) {
  console.error("usage: node scripts/bench-viewer.mjs DATABASE.sqlite3 [--runs N]");
  process.exit(2);
}
if (!existsSync(join(root, "dist/viewer/main.js"))) {
  console.error("bench-viewer: dist/viewer is missing; run 'npm run build' first");
  process.exit(1);
}

/** Starts `pyde1-store serve` on a free port; resolves with its URL and process. */
function serve(db) {
  const child = spawn(process.execPath, [join(root, "dist/cli.js"), "serve", "--db", db, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((done, fail) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      const m = /serving (\S+) for/.exec(out);
      if (m) done({ url: m[1], child });
    });
    child.once("exit", (code) => fail(new Error(`serve exited with ${code}`)));
  });
}

const { url, child } = await serve(resolve(file));
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const started = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName("pyde1-first-chart").length > 0, null, { timeout: 600_000 });
  const wallMs = Date.now() - started;
  const firstChartMs = await page.evaluate(() => performance.getEntriesByName("pyde1-first-chart")[0].startTime);
  const sequences = await page.locator("#sequence-list li[data-sequence-id]").count();

  // The shot whose flow lasted closest to 90 s.
  const list = await (await fetch(`${url}api/sequences`)).json();
  const shot = list
    .filter((s) => s.flow_duration !== null)
    .sort((a, b) => Math.abs(a.flow_duration - 90) - Math.abs(b.flow_duration - 90))[0];
  let redraw = null;
  if (shot) {
    await page.click(`#sequence-list li[data-sequence-id="${shot.id}"]`);
    await page.waitForFunction((id) => document.body.dataset.shownSequence === id, shot.id);
    redraw = await page.evaluate((n) => {
      const u = window.pyde1Viewer.shotChart;
      const times = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        u.batch(() => u.redraw(true, true));
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const points = u.data[0].length;
      return { runs: n, points, medianMs: times[Math.floor(n / 2)], p95Ms: times[Math.min(n - 1, Math.floor(n * 0.95))], minMs: times[0] };
    }, runs);
    redraw = { sequenceId: shot.id, flowSeconds: shot.flow_duration, ...redraw };
  }
  console.log(
    JSON.stringify(
      {
        database: resolve(file),
        bytes: statSync(file).size,
        sequences,
        firstChartMs: Math.round(firstChartMs),
        wallToFirstChartMs: wallMs,
        redraw,
        chromium: browser.version(),
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  child.kill("SIGTERM");
}
