/**
 * The main job as a user sees it: `pyde1-store start` recording from a real mosquitto, its viewer
 * open in Debian's chromium before the first shot. The page's list grows by itself as the recorder
 * saves each sequence (the in-process Store's change marks and events), with no reload by hand.
 * "Watch live" shows the sequence being recorded as it comes in, follows the next one, and turns
 * into the recorded shot once it is saved.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import type { Browser } from "playwright-core";
import { Mosquitto } from "../support/mosquitto";
import { CliProcess } from "../support/recorder-process";
import { scratch, SHOTS_RECORDING } from "../support/paths";
import { startPyde1StandIn, type Pyde1StandIn } from "../support/pyde1-standin";
import { readRecording } from "../recorder/expected";
import { ensureBuilt, launchBrowser, waitForRows, watched } from "./browser";
import { sqlite3 } from "../support/cli";
import type { Page } from "playwright-core";

const rec = readRecording(SHOTS_RECORDING);
let broker: Mosquitto;
let pub: MqttClient;
let pyde1: Pyde1StandIn;
let browser: Browser;

beforeAll(async () => {
  ensureBuilt();
  broker = await Mosquitto.start();
  pub = await connectAsync(broker.url);
  pyde1 = await startPyde1StandIn(rec);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pub?.endAsync(true);
  await broker?.stop();
  pyde1?.close();
});

/** Waits for `start` to connect, then opens its viewer in a new page, ready. */
async function openViewer(server: CliProcess): Promise<ReturnType<typeof watched>> {
  await server.waitFor(/mqtt: connected to /, 30_000);
  const url = /^serving (http:\/\/127\.0\.0\.1:\d+\/) for /m.exec(server.stdout)?.[1];
  expect(url, server.stderr).toBeDefined();
  const page = watched(await browser.newPage());
  await page.page.goto(url!);
  await page.page.waitForFunction(() => document.body.dataset.ready !== undefined);
  return page;
}

describe("the viewer of `start`", () => {
  it("lists each sequence the recorder records while the page is open", async () => {
    const db = join(scratch(), "pyde1.sqlite3");
    const server = new CliProcess(["start", "--db", db, "--broker", broker.url, "--pyde1-http", pyde1.url, "--port", "0"]);
    try {
      const { page: p, errors } = await openViewer(server);
      expect(await p.locator("#sequence-list li[data-sequence-id]").count()).toBe(0);
      // the header says the page's server is recording, and that nothing has come yet
      const line = p.locator("#recorder-status");
      await line.waitFor({ state: "visible", timeout: 10_000 });
      expect(await line.textContent()).toBe("Recording · no message from pyDE1 yet");
      expect(await line.getAttribute("class")).not.toContain("warn");
      const opened = await p.evaluate(() => (window as unknown as { pyde1Viewer: { opened: number } }).pyde1Viewer.opened);
      for (const line of rec.capture.toString("utf8").split("\n")) {
        if (!line) continue;
        const e = JSON.parse(line);
        if (e.topic) await pub.publishAsync(e.topic, e.payload, { qos: 1 });
      }
      const want = Object.keys(rec.manifest.sequences).length;
      await waitForRows(p, want);
      const ids = await p.locator("#sequence-list li[data-sequence-id]").evaluateAll((els) => els.map((el) => el.getAttribute("data-sequence-id")));
      expect(ids.sort()).toEqual(Object.keys(rec.manifest.sequences).sort());
      const reloads = await p.evaluate(() => (window as unknown as { pyde1Viewer: { opened: number } }).pyde1Viewer.opened);
      expect(reloads).toBeGreaterThan(opened);
      await p.waitForFunction(() => /^Recording · last message .* · saved /.test(document.getElementById("recorder-status")!.textContent ?? ""), null, { timeout: 15_000 });
      // the broker goes away: the line turns into a warning, and back once it returns
      await broker.stop();
      await p.waitForFunction(() => document.getElementById("recorder-status")!.classList.contains("warn"), null, { timeout: 20_000 });
      expect(await line.textContent()).toMatch(/^Recording: (lost the broker|broker unreachable), retrying · /);
      await broker.resume();
      await p.waitForFunction(() => !document.getElementById("recorder-status")!.classList.contains("warn"), null, { timeout: 30_000 });
      expect(errors).toEqual([]);
      await p.close();
      expect(await server.signal("SIGTERM")).toBe(0);
    } finally {
      if (server.running) await server.signal("SIGKILL");
    }
  });

  it("watches the sequence being recorded as it comes in, follows the next one, and shows each from the file once saved", async () => {
    const db = join(scratch(), "pyde1.sqlite3");
    const server = new CliProcess(["start", "--db", db, "--broker", broker.url, "--pyde1-http", pyde1.url, "--port", "0"]);
    const events = rec.capture
      .toString("utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { topic?: string; payload: string });
    const body = events.map((e) => {
      try {
        return JSON.parse(e.payload) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
    const gate = (i: number, name: string, id?: string) =>
      body[i]!.class === "SequencerGateNotification" && body[i]!.name === name && body[i]!.action === "set" && (id === undefined || body[i]!.sequence_id === id);
    /** the sequences in the order they start, each with where the capture is 8 shot samples into it */
    const sequences: { id: string; middle: number }[] = [];
    for (let i = 0; i < events.length; i++) {
      if (!gate(i, "sequence_start")) continue;
      const id = String(body[i]!.sequence_id);
      let samples = 0;
      let j = i + 1;
      for (; j < events.length && !gate(j, "sequence_complete", id); j++) if (body[j]!.class === "ShotSampleWithVolumesUpdate" && ++samples === 8) break;
      if (samples === 8) sequences.push({ id, middle: j + 1 });
    }
    expect(sequences.length).toBeGreaterThanOrEqual(2);
    let sent = 0;
    const publishTo = async (end: number) => {
      for (; sent < end; sent++) if (events[sent]!.topic) await pub.publishAsync(events[sent]!.topic!, events[sent]!.payload, { qos: 1 });
    };
    const live = (p: Page) =>
      p.evaluate(() => {
        const s = (window as unknown as { pyde1Viewer: { live: { sequence: { id: string }; t0: number; time: number[] } | null } }).pyde1Viewer.live;
        return s ? { id: s.sequence.id, de1Times: s.time.map((t) => s.t0 + t) } : null;
      });
    try {
      const { page: p, errors } = await openViewer(server);
      const [first, second] = sequences;
      // eight shot samples into the first sequence: the header offers to watch it
      await publishTo(first!.middle);
      const button = p.locator("#watch-live");
      await button.waitFor({ state: "visible", timeout: 15_000 });
      expect(await button.textContent()).toMatch(/^Watch .* live$/);
      const opened = await p.evaluate(() => (window as unknown as { pyde1Viewer: { opened: number } }).pyde1Viewer.opened);
      await button.click();
      await p.waitForFunction((id) => document.body.dataset.live === id && Number(document.body.dataset.liveSamples) > 0, first!.id, { timeout: 10_000 });
      expect(await button.isVisible()).toBe(false);
      expect(await p.locator("#shot-downloads button").count()).toBe(0); // not in the opened file yet
      const early = (await live(p))!;
      expect(early.id).toBe(first!.id);
      expect(await p.evaluate(() => (window as unknown as { pyde1Viewer: { shotChart: { data: number[][] } } }).pyde1Viewer.shotChart.data[0]!.length)).toBeGreaterThanOrEqual(early.de1Times.length);
      // more of it comes in: the view grows by itself, with no reload of the file
      await publishTo(sent + 60);
      await p.waitForFunction((n) => Number(document.body.dataset.liveSamples) > n, early.de1Times.length, { timeout: 10_000 });
      const later = (await live(p))!;
      expect(later.de1Times.slice(0, early.de1Times.length)).toEqual(early.de1Times);
      expect(await p.evaluate(() => (window as unknown as { pyde1Viewer: { opened: number } }).pyde1Viewer.opened)).toBe(opened);
      // the first ends and the second begins: followed without a click
      await publishTo(second!.middle);
      await p.waitForFunction((id) => document.body.dataset.live === id, second!.id, { timeout: 20_000 });
      // the second ends: once saved, it is shown from the file, with its downloads
      const complete = events.findIndex((_, i) => gate(i, "sequence_complete", second!.id));
      expect(complete).toBeGreaterThan(second!.middle);
      await publishTo(complete + 1);
      await p.waitForFunction((id) => document.body.dataset.live === undefined && document.body.dataset.shownSequence === id, second!.id, { timeout: 30_000 });
      expect(await p.locator("#shot-downloads button").count()).toBe(3);
      // the rest: every sequence in the list, and no live view left over
      await publishTo(events.length);
      await waitForRows(p, Object.keys(rec.manifest.sequences).length);
      await p.waitForFunction(() => document.body.dataset.live === undefined, null, { timeout: 20_000 });
      expect(errors).toEqual([]);
      await p.close();
      expect(await server.signal("SIGTERM")).toBe(0);
      // what the live view showed mid-shot were the rows the recorder kept: the start of the shot's samples in the file
      const saved = sqlite3(db, `SELECT printf('%.6f', de1_time) FROM shot_sample_with_volume_update WHERE sequence_id = '${first!.id}' AND de1_time IS NOT NULL ORDER BY de1_time`).split("\n").map(Number);
      expect(saved.length).toBeGreaterThan(later.de1Times.length);
      // (t0 + time) is the sample's epoch second again up to rounding, ~1e-6 at 1.7e9; samples are ~0.2 s apart
      later.de1Times.forEach((t, i) => expect(Math.abs(t - saved[i]!), `sample ${i}`).toBeLessThan(1e-5));
    } finally {
      if (server.running) await server.signal("SIGKILL");
    }
  });
});
