/**
 * The broker failing under the real `record` process: gone and restarted (backoff, one line per
 * change of state, the next shot recorded whole), and refusing the credentials (said once while
 * it keeps retrying; recording starts once the broker accepts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { connectAsync } from "mqtt";
import { LiveFeed, afterShot } from "../support/live-feed";
import { Mosquitto } from "../support/mosquitto";
import { scratch } from "../support/paths";
import { CliProcess } from "../support/recorder-process";
import { fileTables, referenceTables, syntheticMessages } from "../support/streams";
import { until } from "../support/until";

const messages = syntheticMessages({ shots: 2, seed: 9 });
const one = afterShot(messages, 1) + 20;
const two = afterShot(messages, 2) + 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


describe("broker faults under the real recorder", () => {
  let feed: LiveFeed;
  beforeAll(async () => {
    feed = await LiveFeed.start();
  });
  afterAll(async () => {
    await feed?.stop();
  });

  it("broker gone and back: keeps running, backs off, logs each change once, records the next shot whole", async () => {
    const db = join(scratch(), "pyde1.sqlite3");
    const proc = await feed.record(db, ["--idle-save", "1"]);
    await feed.publish(messages.slice(0, one));
    await feed.sync(proc);
    await feed.broker.stop();
    await sleep(4500); // retries after 1 s, 2 s: the broker is still away
    expect(proc.running).toBe(true);
    expect(proc.lines(/lost the connection/).length).toBe(1);
    expect(proc.lines(/ECONNREFUSED/).length).toBe(1); // the same error, said once
    const delays = proc.lines(/retrying in/).map((l) => Number(/retrying in ([\d.]+) s/.exec(l)![1]));
    expect(delays.length).toBeGreaterThanOrEqual(2);
    expect(delays).toEqual([...delays].sort((a, b) => a - b)); // growing
    expect(new Set(delays).size).toBe(delays.length); // each said once
    await feed.broker.resume();
    await until("a reconnect", () => proc.lines(/mqtt: connected to/).length === 2);
    await feed.reconnect();
    await feed.sync(proc);
    await feed.publish(messages.slice(one, two));
    await feed.sync(proc);
    expect(await proc.signal("SIGTERM")).toBe(0);
    expect(proc.lines(/lost the connection/).length).toBe(1);
    expect(await fileTables(db)).toEqual(await referenceTables(messages.slice(0, two)));
  }, 60_000);

  it("credentials refused: said once while retrying, never exits; records once the broker accepts", async () => {
    const strict = await Mosquitto.start(undefined, ["allow_anonymous false"]);
    const db = join(scratch(), "pyde1.sqlite3");
    const proc = new CliProcess(["record", "--db", db, "--broker", strict.url, "--username", "u", "--password", "wrong", "--verbose", "--idle-save", "1"]);
    let open: Mosquitto | null = null;
    try {
      await proc.waitFor(/refused the credentials/);
      await sleep(3500); // retries at 1 s and 2 s
      expect(proc.running).toBe(true);
      expect(proc.lines(/refused the credentials/).length).toBe(1);
      expect(proc.lines(/refused the credentials/)[0]).toMatch(/check --username\/--password/);
      // the broker now accepts (restarted on the same port with access for anyone)
      await strict.stop();
      open = await Mosquitto.start(strict.port);
      await proc.waitFor(/mqtt: connected to/, 40_000);
      const pub = await connectAsync(open.url);
      const probe = /ignored other-topic: pyDE1\/log/;
      while (proc.lines(probe).length === 0) {
        await pub.publishAsync("pyDE1/log", "probe", { qos: 1 });
        await sleep(25);
      }
      for (const m of messages.slice(0, one)) await pub.publishAsync(m.topic, m.payload as string, { qos: 1 });
      const n = proc.lines(probe).length;
      while (proc.lines(probe).length === n) {
        await pub.publishAsync("pyDE1/log", "probe", { qos: 1 });
        await sleep(25);
      }
      await pub.endAsync();
      expect(await proc.signal("SIGTERM")).toBe(0);
      expect(await fileTables(db)).toEqual(await referenceTables(messages.slice(0, one)));
    } finally {
      await proc.signal("SIGKILL");
      await strict.stop();
      await open?.stop();
    }
  }, 60_000);
});
