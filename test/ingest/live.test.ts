import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { readCapture } from "../../src/ingest/capture";
import { recordLive, type LiveRecording } from "../../src/ingest/run-live";
import type { RecorderEvent } from "../../src/recorder/events";
import type { FeedState } from "../../src/ingest/mqtt";
import { Mosquitto, freePort } from "../support/mosquitto";
import { NOTIFICATION_TABLES, SEQUENCE_RESOURCES } from "../../src/catalog";
import { RECORDINGS, scratch, NO_PROFILE_RECORDING, SHOTS_RECORDING } from "../support/paths";
import { until } from "../support/until";
import { expectMatches, prepareStore, readRecording, readTable, type Recording } from "../recorder/expected";

/** A stand-in for pyDE1's HTTP API: answers each path with the capture's bodies for it, in order. */
async function standInPyde1(events: RecorderEvent[]): Promise<{ server: Server; url: string }> {
  const bodies = new Map<string, string[]>();
  for (const e of events) if (e.kind === "resource") bodies.set(e.path, [...(bodies.get(e.path) ?? []), e.body]);
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").slice(1));
    const body = bodies.get(path)?.shift();
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** Publishes the capture's messages in order, much faster than real time (QoS 0, as pyDE1 does). */
async function publish(client: MqttClient, events: RecorderEvent[]): Promise<void> {
  let n = 0;
  for (const e of events) {
    if (e.kind !== "message") continue;
    await client.publishAsync(e.topic, Buffer.from(e.payload as string, "utf8"), { qos: 0 });
    if (++n % 100 === 0) await sleep(5);
  }
}

const messages = (events: RecorderEvent[]) => events.filter((e) => e.kind === "message").length;
const answers = (events: RecorderEvent[]) => events.filter((e) => e.kind === "resource").length;

describe("recording from a real mosquitto broker", () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  /** Starts a live recording of a fixture against the broker and a stand-in pyDE1. */
  async function live(rec: Recording, events: RecorderEvent[], captureOut?: string) {
    const store = await prepareStore(rec);
    const pyde1 = await standInPyde1(events);
    const states: FeedState[] = [];
    const lines: string[] = [];
    let used = 0;
    const handle: LiveRecording = recordLive(store, {
      broker: broker.url,
      topicRoot: rec.manifest.topic_root,
      pyde1Http: pyde1.url,
      captureOut,
      minRetryMs: 100,
      maxRetryMs: 400,
      log: (level, line) => lines.push(`${level} ${line}`),
      onFeedState: (s) => states.push(s),
      onAccepted: () => used++,
    });
    await until("the recorder to connect", () => handle.feedState === "connected");
    const seen = () => handle.stats.accepted + (handle.stats.ignored["other-topic"] ?? 0);
    return { store, pyde1, handle, states, lines, used: () => used, seen };
  }

  /** Publishes `pyDE1/log` probes until the recorder sees one (its subscription is live). */
  async function probe(client: MqttClient, seen: () => number, root: string): Promise<void> {
    const before = seen();
    await until("a probe to arrive", () => {
      void client.publishAsync(`${root}/log`, "probe");
      return seen() > before;
    });
    await sleep(50);
  }

  for (const name of RECORDINGS) {
    it(`${name}: published faster than real time, with pyDE1's HTTP answers, gives pyDE1's database`, async () => {
      const rec = readRecording(name);
      const events = [...readCapture(rec.capture)];
      const out = join(scratch(), "capture-out.ndjson");
      const run = await live(rec, events, out);
      const pub = await connectAsync(broker.url);
      await probe(pub, run.seen, rec.manifest.topic_root);
      const t0 = Date.now();
      await publish(pub, events);
      const seconds = (events.at(-1)!.time - events[0].time) / (Date.now() - t0) * 1000;
      expect(seconds).toBeGreaterThan(5); // faster than real time, by far
      await until("every message and answer", () => run.handle.stats.accepted === messages(events) && run.handle.stats.resources === answers(events));
      await run.handle.stop();
      await pub.endAsync();
      run.pyde1.server.close();
      expectMatches(run.store, rec);
      expect(run.handle.stats.rejected).toEqual({});
      // the capture written as it ran replays into the same database
      const replayed = [...readCapture(readFileSync(out))];
      expect(replayed.filter((e) => e.kind === "message").length).toBe(messages(events) + (run.handle.stats.ignored["other-topic"] ?? 0));
      expect(replayed.filter((e) => e.kind === "resource").length).toBe(answers(events));
      run.store.close();
    });
  }

  it("records the second shot whole after the broker restarted between two shots", async () => {
    const rec = readRecording(SHOTS_RECORDING);
    const events = [...readCapture(rec.capture)];
    const gateIndex = (action: string, name: string, from: number) =>
      events.findIndex((e, k) => k >= from && e.kind === "message" && typeof e.payload === "string" && e.payload.includes(`"name": "${name}", "action": "${action}"`));
    const firstEnd = gateIndex("set", "sequence_complete", 0);
    const nextStart = gateIndex("clear", "sequence_start", firstEnd);
    expect(firstEnd).toBeGreaterThan(0);
    expect(nextStart).toBeGreaterThan(firstEnd);
    const split = Math.floor((firstEnd + nextStart) / 2);
    const before = events.slice(0, split);
    const after = events.slice(split);

    const run = await live(rec, events);
    let pub = await connectAsync(broker.url);
    await probe(pub, run.seen, rec.manifest.topic_root);
    await publish(pub, before);
    await until("the first part", () => run.handle.stats.accepted === messages(before) && run.handle.stats.resources === answers(before));
    await pub.endAsync(true);

    await broker.stop();
    await until("the recorder to notice", () => run.handle.feedState !== "connected");
    await sleep(300);
    await broker.resume();
    await until("the recorder to reconnect", () => run.handle.feedState === "connected");
    pub = await connectAsync(broker.url);
    await probe(pub, run.seen, rec.manifest.topic_root);
    await publish(pub, after);
    await until("the second part", () => run.handle.stats.accepted === messages(events) && run.handle.stats.resources === answers(events));
    await run.handle.stop();
    await pub.endAsync();
    run.pyde1.server.close();

    expectMatches(run.store, rec);
    expect(run.states).toEqual(expect.arrayContaining(["connected", "lost", "retrying"]));
    expect(run.lines.some((l) => l.includes("lost the connection"))).toBe(true);
    expect(run.lines.filter((l) => l.includes("connected to")).length).toBe(2);
    run.store.close();
  });

  it("records without delay when pyDE1's HTTP API does not answer: resources are the text null", async () => {
    const rec = readRecording(NO_PROFILE_RECORDING);
    const events = [...readCapture(rec.capture)];
    const store = await prepareStore(rec);
    const closed = await freePort(); // nothing listens there
    const handle = recordLive(store, { broker: broker.url, pyde1Http: `http://127.0.0.1:${closed}`, httpTimeoutMs: 300 });
    await until("the recorder to connect", () => handle.feedState === "connected");
    const pub = await connectAsync(broker.url);
    await probe(pub, () => handle.stats.accepted + (handle.stats.ignored["other-topic"] ?? 0), "pyDE1");
    await publish(pub, events);
    await until("every message and the failed answers", () => handle.stats.accepted === messages(events) && handle.stats.resources === 11);
    await handle.stop();
    await pub.endAsync();
    const id = Object.keys(rec.manifest.sequences)[0];
    const row = store.sequences.get(id)!;
    expect(row.profile_id).toBe("dummy");
    expect(row.profile_assumed).toBe(1);
    for (const r of SEQUENCE_RESOURCES) expect(row[r.column as `resource_${string}`]).toBe("null");
    for (const table of NOTIFICATION_TABLES) {
      expect(readTable(store, table, rec.tables[table].columns), table).toEqual(rec.tables[table].rows);
    }
    store.close();
  });

  it("keeps retrying a broker that refuses the credentials, saying so once", async () => {
    const strict = await Mosquitto.start(undefined, ["allow_anonymous false"]);
    try {
      const store = await prepareStore(readRecording(NO_PROFILE_RECORDING));
      const lines: string[] = [];
      const handle = recordLive(store, { broker: strict.url, username: "u", password: "wrong", minRetryMs: 50, maxRetryMs: 100, log: (l, m) => lines.push(`${l} ${m}`) });
      await until("a refusal", () => handle.feedState === "refused");
      await sleep(600); // several retries
      expect(lines.filter((l) => l.includes("refused the credentials")).length).toBe(1);
      expect(handle.feedState).toBe("refused");
      await handle.stop();
      store.close();
    } finally {
      await strict.stop();
    }
  });
});
