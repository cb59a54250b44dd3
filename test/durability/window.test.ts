/**
 * The durability window, measured: the live job (startLiveRecording: DurableStore + recordLive)
 * recording a synthetic stream from a real mosquitto faster than real time, with saves on a 1 s
 * interval in between. For every journal fsync, how long the oldest record in it had waited since
 * it was received (an upper bound for every record of that batch). Its p99 must stay within the
 * fsync window plus 100 ms. And at the DE1's rate, where records come one at a time, each waits only
 * for its own fsync.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startLiveRecording } from "../../src/cli/live-recording";
import { LiveFeed } from "../support/live-feed";
import { scratch } from "../support/paths";
import { syntheticMessages } from "../support/streams";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the durability window", () => {
  let feed: LiveFeed;
  beforeAll(async () => {
    feed = await LiveFeed.start();
  });
  afterAll(async () => {
    await feed?.stop();
  });

  /**
   * The live job on a new database, connected to the feed's broker: its log lines, and how long the
   * oldest record of each journal fsync had waited.
   */
  async function recording(options: { fsyncMs: number; idleSaveSeconds?: number; settleMs?: number }) {
    const lines: string[] = [];
    const rec = await startLiveRecording({
      db: join(scratch(), "pyde1.sqlite3"),
      broker: feed.broker.url,
      topicRoot: "pyDE1",
      ...options,
      log: (level, m) => lines.push(`${level} ${m}`),
    });
    const waits: number[] = [];
    rec.durable.journal.onSynced = (ms) => waits.push(ms);
    const deadline = Date.now() + 10_000;
    while (rec.live.feedState !== "connected" && Date.now() < deadline) await sleep(10);
    return { rec, lines, waits };
  }

  it("p99 of receipt → fsync stays within --fsync-ms + 100 ms, saves included", async () => {
    const fsyncMs = 100;
    const messages = syntheticMessages({ shots: 2, seed: 17 });
    const end = messages.length;
    const { rec, lines, waits } = await recording({ fsyncMs, idleSaveSeconds: 1, settleMs: 200 });
    // ~25× real time, in steps so saves happen in between
    const rate = 400;
    const t0 = performance.now();
    for (let k = 0; k < end; k++) {
      const due = t0 + (k * 1000) / rate - performance.now();
      if (due > 2) await sleep(due);
      await feed.pub.publishAsync(messages[k].topic, messages[k].payload as string, { qos: 1 });
    }
    await sleep(300);
    await rec.stop();
    const saves = lines.filter((l) => l.includes("record: saved ")).length;
    waits.sort((a, b) => a - b);
    const p = (q: number) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))];
    console.log(`durability window (fsync-ms ${fsyncMs}): ${waits.length} fsyncs of ${end} messages, oldest record's wait p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${waits.at(-1)!.toFixed(1)} ms; ${saves} saves meanwhile`);
    expect(waits.length).toBeGreaterThan(10);
    expect(p(0.99)).toBeLessThan(fsyncMs + 100);
    expect(lines.filter((l) => l.startsWith("error"))).toEqual([]);
  }, 60_000);

  it("at the DE1's rate a record waits only for its own fsync, not for half the window", async () => {
    const fsyncMs = 100;
    const messages = syntheticMessages({ shots: 1, seed: 18 }).slice(0, 100);
    const { rec, lines, waits } = await recording({ fsyncMs });
    await sleep(fsyncMs); // the journal's opening counts as a flush
    for (const m of messages) {
      await feed.pub.publishAsync(m.topic, m.payload as string, { qos: 1 });
      await sleep(50); // 20 messages a second, as a DE1 sends during a shot
    }
    await sleep(300);
    await rec.stop();
    waits.sort((a, b) => a - b);
    const median = waits[Math.floor(waits.length / 2)];
    console.log(`at 20 messages/s (fsync-ms ${fsyncMs}): ${waits.length} fsyncs of ${messages.length} messages, wait p50 ${median.toFixed(1)} ms, max ${waits.at(-1)!.toFixed(1)} ms`);
    // half the window (50 ms) was every record's wait when a flush was always armed that far ahead
    expect(waits.length).toBeGreaterThan(messages.length / 2);
    expect(median).toBeLessThan(fsyncMs / 4);
    expect(lines.filter((l) => l.startsWith("error"))).toEqual([]);
  }, 60_000);
});
