/**
 * The main job end to end: `pyde1-store start` (what `npm start` runs) against a real mosquitto,
 * a fixture recording published to it with a stand-in pyDE1 HTTP API. Its viewer server lists
 * each shot once it completes, tells open pages (server-sent events), and a clean stop saves a
 * file equal to what pyDE1 recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { Mosquitto } from "../support/mosquitto";
import { CliProcess } from "../support/recorder-process";
import { scratch, SHOTS_RECORDING } from "../support/paths";
import { startPyde1StandIn, type Pyde1StandIn } from "../support/pyde1-standin";
import { sqlite3 } from "../support/cli";
import { readRecording } from "../recorder/expected";
import { CATALOG, NOTIFICATION_TABLES } from "../../src/catalog";

const rec = readRecording(SHOTS_RECORDING);
let broker: Mosquitto;
let pub: MqttClient;
let pyde1: Pyde1StandIn;

beforeAll(async () => {
  broker = await Mosquitto.start();
  pub = await connectAsync(broker.url);
  pyde1 = await startPyde1StandIn(rec);
});

afterAll(async () => {
  await pub?.endAsync(true);
  await broker?.stop();
  pyde1?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("pyde1-store start", () => {
  it("records and serves in one process; pages hear about each completed shot; a clean stop saves", async () => {
    const dir = scratch();
    const db = join(dir, "data", "pyde1.sqlite3"); // the folder does not exist yet
    // a config file named but missing is an error, said in one line
    const p = new CliProcess(["start", "--db", db, "--broker", broker.url, "--port", "0"], { PYDE1_STORE_CONFIG: join(dir, "none.conf") });
    expect(await p.exited).toBe(1);
    expect(p.stderr).toMatch(/none\.conf: config file not found/);
    const server = new CliProcess(["start", "--db", db, "--broker", broker.url, "--pyde1-http", pyde1.url, "--port", "0"]);
    try {
      const started = Date.now();
      while (!/serving http:/.test(server.stdout) && server.running && Date.now() - started < 20_000) await sleep(20);
      const url = /^serving (http:\/\/127\.0\.0\.1:\d+\/) for .*\(recording\)$/m.exec(server.stdout)?.[1];
      expect(url, server.stderr).toBeDefined();
      await server.waitFor(/mqtt: connected to /, 20_000);
      // listen for the server's change events like an open page
      const events: string[] = [];
      const sse = await fetch(`${url!}api/events`);
      const reader = sse.body!.getReader();
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          events.push(new TextDecoder().decode(value));
        }
      })();
      // publish the recording, faster than real time but in order
      const lines = rec.capture.toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
      for (const e of lines) {
        if (e.topic) await pub.publishAsync(e.topic, e.payload, { qos: 1 });
      }
      const want = Object.keys(rec.manifest.sequences).length;
      const deadline = Date.now() + 30_000;
      let listed: { id: string; end_sequence: number | null }[] = [];
      while (Date.now() < deadline) {
        listed = await (await fetch(`${url!}api/sequences`)).json();
        if (listed.filter((s) => s.end_sequence !== null).length === want && events.join("").includes("changed")) break;
        await sleep(200);
      }
      expect(listed.map((s) => s.id).sort()).toEqual(Object.keys(rec.manifest.sequences).sort());
      expect(events.join("")).toMatch(/changed/);
      const shot = await fetch(`${url!}api/sequences/${listed[0].id}/shot?format=legacy`);
      expect(shot.status).toBe(200);
      expect(await shot.text()).toMatch(/^sequence_id /);
      await reader.cancel();
      // the log says once that pyDE1's notifications arrive, naming the first one's topic
      const classes = new Set(CATALOG.map((c) => `pyDE1/${c.name}`));
      const first = lines.find((e) => classes.has(e.topic))!;
      expect(server.lines(/record: receiving pyDE1's notifications/)).toEqual([
        expect.stringMatching(new RegExp(`info  record: receiving pyDE1's notifications \\(the first: ${first.topic}\\)$`)),
      ]);
      expect(await server.signal("SIGTERM")).toBe(0);
    } finally {
      if (server.running) await server.signal("SIGKILL");
    }
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    for (const table of NOTIFICATION_TABLES) {
      expect(sqlite3(db, `SELECT count(*) FROM ${table}`), table).toBe(String(rec.tables[table].rows.length));
    }
    expect(sqlite3(db, "SELECT count(*) FROM sequence WHERE resource_de1_id IS NOT NULL AND id <> 'dummy'")).toBe(String(Object.keys(rec.manifest.sequences).length));
    expect(readFileSync(db).subarray(18, 20)).toEqual(Buffer.from([1, 1]));
  });

  it("GET /api/status says how the recording goes (never the broker's password); serve without --record says it is not recording", async () => {
    const db = join(scratch(), "pyde1.sqlite3");
    const withLogin = broker.url.replace("mqtt://", "mqtt://someone:s3cret@");
    const server = new CliProcess(["start", "--db", db, "--broker", withLogin, "--port", "0"]);
    type Status = { recording: boolean; now: number; broker: string; feed: string; startedAt: number; lastMessageAt: number | null; accepted: number; rejected: number; sequences: number; openSequence: { id: string; activeState: string } | null; lastSavedAt: number | null };
    try {
      await server.waitFor(/mqtt: connected to /, 30_000);
      const url = /^serving (http:\/\/127\.0\.0\.1:\d+\/) for /m.exec(server.stdout)![1]!;
      const status = async () => (await (await fetch(`${url}api/status`)).json()) as Status;
      const before = await status();
      expect(before).toMatchObject({ recording: true, broker: broker.url, feed: "connected", lastMessageAt: null, accepted: 0, rejected: 0, sequences: 0, openSequence: null, lastSavedAt: null });
      expect(JSON.stringify(before)).not.toContain("s3cret");
      expect(before.now - before.startedAt).toBeGreaterThanOrEqual(0);
      // half of the first shot: it is being recorded
      const lines = rec.capture.toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.topic);
      const firstId = JSON.parse(lines.find((e) => e.topic.endsWith("/SequencerGateNotification")).payload).sequence_id as string;
      const flowBegins = lines.findIndex((e) => typeof e.payload === "string" && e.payload.includes('"sequence_flow_begin", "action": "set"'));
      expect(flowBegins).toBeGreaterThan(0);
      const sent = Date.now();
      for (const e of lines.slice(0, flowBegins + 1)) await pub.publishAsync(e.topic, e.payload, { qos: 1 });
      let during = await status();
      for (const deadline = Date.now() + 10_000; !during.openSequence && Date.now() < deadline; during = await status()) await sleep(100);
      expect(during.openSequence).toMatchObject({ activeState: "Espresso" });
      expect(during.openSequence!.id).toBe(firstId);
      expect(during.sequences).toBe(1);
      expect(during.accepted).toBeGreaterThan(0);
      expect(during.lastMessageAt).toBeGreaterThanOrEqual(sent - 5);
      expect(during.lastMessageAt).toBeLessThanOrEqual(during.now);
      // the rest: every shot completes and is saved
      for (const e of lines.slice(flowBegins + 1)) await pub.publishAsync(e.topic, e.payload, { qos: 1 });
      let after = await status();
      for (const deadline = Date.now() + 20_000; (after.openSequence || after.lastSavedAt === null) && Date.now() < deadline; after = await status()) await sleep(200);
      expect(after.openSequence).toBeNull();
      expect(after.sequences).toBe(Object.keys(rec.manifest.sequences).length);
      expect(after.lastSavedAt).toBeGreaterThanOrEqual(sent);
      // the broker goes away: the status says so
      await broker.stop();
      let lost = await status();
      for (const deadline = Date.now() + 10_000; lost.feed === "connected" && Date.now() < deadline; lost = await status()) await sleep(100);
      expect(["lost", "retrying"]).toContain(lost.feed);
      expect(await server.signal("SIGTERM")).toBe(0);
    } finally {
      if (server.running) await server.signal("SIGKILL");
      await broker.resume();
      await pub.endAsync(true);
      pub = await connectAsync(broker.url);
    }
    const viewer = new CliProcess(["serve", "--db", db, "--port", "0"]);
    try {
      const started = Date.now();
      while (!/serving http:/.test(viewer.stdout) && viewer.running && Date.now() - started < 20_000) await sleep(20);
      const url = /^serving (http:\/\/127\.0\.0\.1:\d+\/)/m.exec(viewer.stdout)![1]!;
      expect(await (await fetch(`${url}api/status`)).json()).toEqual({ recording: false });
      expect(await viewer.signal("SIGTERM")).toBe(0);
    } finally {
      if (viewer.running) await viewer.signal("SIGKILL");
    }
  }, 120_000);
});
