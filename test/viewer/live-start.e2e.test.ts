/**
 * The main job as a user sees it: `pyde1-store start` recording from a real mosquitto, its viewer
 * open in Debian's chromium before the first shot. The page's list grows by itself as the recorder
 * saves each sequence (the in-process Store's change marks and events), with no reload by hand.
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

describe("the viewer of `start`", () => {
  it("lists each sequence the recorder records while the page is open", async () => {
    const db = join(scratch(), "pyde1.sqlite3");
    const server = new CliProcess(["start", "--db", db, "--broker", broker.url, "--pyde1-http", pyde1.url, "--port", "0"]);
    try {
      await server.waitFor(/mqtt: connected to /, 30_000);
      const url = /^serving (http:\/\/127\.0\.0\.1:\d+\/) for /m.exec(server.stdout)?.[1];
      expect(url, server.stderr).toBeDefined();
      const { page: p, errors } = watched(await browser.newPage());
      await p.goto(url!);
      await p.waitForFunction(() => document.body.dataset.ready !== undefined);
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
});
