#!/usr/bin/env node
// Benchmarks the viewer in headless chromium (issue 8): opens a database through
// `pyde1-store serve` and reports, as JSON, the ms from navigation to the first drawn shot chart,
// and the redraw time of the chart for the shot whose flow lasted closest to 90 s. With
// `--reloads N`, it serves a copy of the file and records one synthetic shot into it 2N times
// (`pyde1-store record`), alternating how the page reloads: only the blocks that changed (what the
// viewer does) and the whole file (what it did before, the server's delta refused); for each, the
// ms from the page's `/db` request to the refreshed list, and the bytes it loaded. With
// `--network MBIT`, the page is another computer on a network of that speed (a phone on Wi-Fi): the
// server listens on this machine's network address, so it sends gzip as it does to a phone, and
// chromium holds the page's downloads to MBIT megabits a second (DevTools' network emulation);
// with `--reloads` too, a later visit follows: the page closed, a shot recorded, a new page of the
// same browser opened (it starts from the copy the first page kept), timed to its first chart.
//
//   npm run build && node scripts/bench-viewer.mjs /path/to/large.sqlite3 [--runs 30] [--reloads 3] [--network 40]
//
// Needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium). Does not write the file.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 30;
const reloadsAt = args.indexOf("--reloads");
const reloads = reloadsAt >= 0 ? Number(args[reloadsAt + 1]) : 0;
const networkAt = args.indexOf("--network");
const mbit = networkAt >= 0 ? Number(args[networkAt + 1]) : null;
const valueAt = [runsAt, reloadsAt, networkAt].filter((at) => at >= 0).map((at) => at + 1);
const file = args.find((a, i) => !a.startsWith("--") && !valueAt.includes(i));
if (!file || !existsSync(file) || !Number.isInteger(runs) || !Number.isInteger(reloads) || (mbit !== null && !(mbit > 0))) {
  console.error("usage: node scripts/bench-viewer.mjs DATABASE.sqlite3 [--runs N] [--reloads N] [--network MBIT]");
  process.exit(2);
}
if (!existsSync(join(root, "dist/viewer/main.js"))) {
  console.error("bench-viewer: dist/viewer is missing; run 'npm run build' first");
  process.exit(1);
}

/** This machine's first network (not loopback) IPv4 address, for `--network`. */
const lan = Object.values(networkInterfaces()).flat().find((a) => a && !a.internal && a.family === "IPv4")?.address;
if (mbit !== null && !lan) {
  console.error("bench-viewer: --network needs a network address on this machine, and it has none");
  process.exit(1);
}

/** Starts `pyde1-store serve` on a free port; resolves with its URL and process. */
function serve(db) {
  const host = mbit !== null ? ["--host", "0.0.0.0"] : [];
  const child = spawn(process.execPath, [join(root, "dist/cli.js"), "serve", "--db", db, "--port", "0", ...host], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((done, fail) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      const m = /serving (\S+) for/.exec(out);
      if (m) done({ url: mbit !== null ? m[1].replace(/\/\/[^/:]+/, `//${lan}`) : m[1], child });
    });
    child.once("exit", (code) => fail(new Error(`serve exited with ${code}`)));
  });
}

// the reloads write a shot into the served file: then a copy is served
const scratch = reloads > 0 ? mkdtempSync(join(tmpdir(), "bench-viewer-")) : null;
const served = scratch ? join(scratch, "served.sqlite3") : resolve(file);
if (scratch) copyFileSync(file, served);

/** Records one synthetic shot (seed `seed`) into the served copy with the CLI, as the recorder would after a shot. */
function recordShot(seed) {
  const capture = join(scratch, `shot-${seed}.ndjson`);
  const made = spawnSync(process.execPath, [join(root, "scripts/run-ts.mjs"), join(root, "scripts/generate-capture.ts"), capture, "--shots", "1", "--seed", String(seed)], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`generate-capture failed: ${made.stderr}`);
  const r = spawnSync(process.execPath, [join(root, "dist/cli.js"), "record", "--db", served, "--from-capture", capture], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`record failed: ${r.stderr}`);
}

const { url, child } = await serve(served);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  /** a page of the context, its downloads held to `--network`'s speed */
  const newPage = async () => {
    const p = await context.newPage();
    if (mbit !== null) {
      const cdp = await context.newCDPSession(p);
      await cdp.send("Network.enable");
      const bytesPerSecond = (mbit * 1e6) / 8;
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 5, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond });
    }
    return p;
  };
  /**
   * The bytes the page's worker holds in ArrayBuffers once garbage is collected (the database and,
   * when it keeps a snapshot apart, that too), through chromium's DevTools protocol.
   */
  const workerHeldBytes = async () => {
    const cdp = await browser.newBrowserCDPSession();
    try {
      const { targetInfos } = await cdp.send("Target.getTargets");
      const worker = targetInfos.find((t) => t.type === "worker" && t.url.startsWith(new URL(url).origin));
      if (!worker) return null;
      const { sessionId } = await cdp.send("Target.attachToTarget", { targetId: worker.targetId, flatten: false });
      const answer = new Promise((done) => cdp.on("Target.receivedMessageFromTarget", (e) => JSON.parse(e.message).id === 2 && done(JSON.parse(e.message))));
      for (const [id, method] of [[1, "HeapProfiler.collectGarbage"], [2, "Runtime.getHeapUsage"]]) {
        await cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method }) });
      }
      return (await answer).result.backingStorageSize;
    } finally {
      await cdp.detach();
    }
  };
  const page = await newPage();
  const started = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName("pyde1-first-chart").length > 0, null, { timeout: 600_000 });
  const wallMs = Date.now() - started;
  const firstChartMs = await page.evaluate(() => performance.getEntriesByName("pyde1-first-chart")[0].startTime);
  const sequences = await page.locator("#sequence-list li[data-sequence-id]").count();
  const heldAfterLoad = await workerHeldBytes();

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
  const reloaded = [];
  for (let i = 0; i < 2 * reloads; i++) {
    const kind = i % 2 === 0 ? "delta" : "whole";
    const isReload = (u) => u.pathname === "/db" && u.searchParams.has("since");
    // the old behaviour: the page's `?since=` is dropped, so the server sends the whole file
    if (kind === "whole") await page.route(isReload, (route) => route.continue({ url: `${url}db` }), { times: 1 });
    const count = await page.locator("#sequence-list li[data-sequence-id]").count();
    const asked = page.waitForRequest((r) => isReload(new URL(r.url())), { timeout: 120_000 }).then(() => performance.now());
    await page.evaluate(() => (document.getElementById("status").textContent = ""));
    recordShot(900 + i);
    const t0 = await asked;
    await page.waitForFunction(
      (n) => document.querySelectorAll("#sequence-list li[data-sequence-id]").length === n && /refreshed/.test(document.getElementById("status").textContent),
      count + 1,
      { timeout: 120_000, polling: "raf" },
    );
    const ms = performance.now() - t0;
    const last = await page.evaluate(() => window.pyde1Viewer.loads.at(-1));
    if (last.kind !== kind) throw new Error(`reload ${i}: the page loaded ${last.kind}, ${kind} expected`);
    reloaded.push({ kind, ms: Math.round(ms), bytes: last.bytes });
  }
  // measured once no load has begun for 4 s: a load under way holds the old database and the new bytes
  const settled = async () => {
    let count = -1;
    for (let still = 0; still < 8; still++) {
      const now = await page.evaluate(() => window.pyde1Viewer.loads.length);
      if (now !== count) still = 0;
      count = now;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const heldAfterReloads = reloads > 0 ? (await settled(), await workerHeldBytes()) : null;
  // what a page that keeps a copy (`--network`: another computer) wrote to IndexedDB for each copy it kept
  const keptWrites = mbit !== null ? await page.evaluate(() => window.pyde1Viewer.keeps.map((k) => k.written)) : null;
  // a later visit (as a phone on --network, where the page keeps a copy by default): a shot is
  // recorded while the page is closed, then a new page of the same browser opens the viewer
  let revisit = null;
  if (mbit !== null && reloads > 0) {
    await page.waitForFunction(() => document.body.dataset.kept !== undefined, null, { timeout: 120_000 });
    await page.close();
    recordShot(990);
    const again = await newPage();
    const t0 = performance.now();
    await again.goto(url);
    await again.waitForFunction(() => performance.getEntriesByName("pyde1-first-chart").length > 0, null, { timeout: 600_000 });
    const firstChart = await again.evaluate(() => performance.getEntriesByName("pyde1-first-chart")[0].startTime);
    revisit = { firstChartMs: Math.round(firstChart), wallMs: Math.round(performance.now() - t0), load: await again.evaluate(() => window.pyde1Viewer.loads[0]) };
  }
  const summary = (kind) => {
    const these = reloaded.filter((r) => r.kind === kind);
    const ms = these.map((r) => r.ms).sort((a, b) => a - b);
    return these.length ? { medianMs: ms[Math.floor(ms.length / 2)], runsMs: these.map((r) => r.ms), bytes: these.map((r) => r.bytes) } : null;
  };
  console.log(
    JSON.stringify(
      {
        database: resolve(file),
        bytes: statSync(file).size,
        sequences,
        firstChartMs: Math.round(firstChartMs),
        wallToFirstChartMs: wallMs,
        redraw,
        workerHeldBytes: { afterFirstLoad: heldAfterLoad, ...(heldAfterReloads !== null ? { afterReloads: heldAfterReloads } : {}) },
        ...(mbit !== null ? { network: `another computer at ${mbit} Mbit/s (gzip as to a phone)` } : {}),
        ...(reloads > 0 ? { reloadAfterShot: { delta: summary("delta"), whole: summary("whole") } } : {}),
        ...(revisit ? { revisitAfterShot: revisit } : {}),
        ...(keptWrites ? { keptCopyWrites: keptWrites } : {}),
        chromium: browser.version(),
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  child.kill("SIGTERM");
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
