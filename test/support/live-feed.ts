/**
 * A real `record` process fed through a real mosquitto by the test: start it, publish messages
 * (QoS 1 to the broker, so each one is known to be there), and wait until the recorder has seen
 * everything published so far (a probe on `<root>/log`, which it ignores and, with --verbose, logs).
 */
import { connectAsync, type MqttClient } from "mqtt";
import { CliProcess } from "./recorder-process";
import { Mosquitto } from "./mosquitto";
import type { MessageEvent } from "../../src/recorder/events";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROBE = /ignored other-topic: pyDE1\/log/;

/** A broker and a publisher, and the recorder processes started on them. */
export class LiveFeed {
  private constructor(
    /** the broker */
    readonly broker: Mosquitto,
    /** the test's publishing client */
    public pub: MqttClient,
  ) {}

  /** Connects a new publisher (after a broker restart). */
  async reconnect(): Promise<void> {
    await this.pub.endAsync(true);
    this.pub = await connectAsync(this.broker.url);
  }

  /** Starts a broker (with `config` access lines, see {@link Mosquitto.start}) and connects a publisher. */
  static async start(config?: string[], publisher: { username?: string; password?: string } = {}): Promise<LiveFeed> {
    const broker = await Mosquitto.start(undefined, config);
    return new LiveFeed(broker, await connectAsync(broker.url, publisher));
  }

  /** Starts `record --db DB --broker … --verbose ARGS`; waits for its subscription when `connected` (default). */
  async record(db: string, args: string[] = [], connected = true): Promise<CliProcess> {
    const proc = new CliProcess(["record", "--db", db, "--broker", this.broker.url, "--verbose", ...args]);
    if (connected) {
      await proc.waitFor(/mqtt: connected to/);
      await this.sync(proc);
    }
    return proc;
  }

  /** Waits until `proc` has received everything published so far. */
  async sync(proc: CliProcess, ms = 20_000): Promise<void> {
    const before = proc.lines(PROBE).length;
    const deadline = Date.now() + ms;
    while (proc.lines(PROBE).length === before) {
      if (!proc.running) throw new Error(`the recorder exited:\n${proc.stderr}`);
      if (Date.now() > deadline) throw new Error(`the recorder never saw the probe:\n${proc.stderr}`);
      await this.pub.publishAsync("pyDE1/log", "probe", { qos: 1 });
      await sleep(25);
    }
  }

  /** Publishes messages in order (QoS 1), yielding now and then so the recorder keeps up. */
  async publish(messages: MessageEvent[]): Promise<void> {
    let n = 0;
    for (const m of messages) {
      await this.pub.publishAsync(m.topic, typeof m.payload === "string" ? m.payload : Buffer.from(m.payload), { qos: 1 });
      if (++n % 200 === 0) await sleep(5);
    }
  }

  /**
   * Starts a recorder on `db` and publishes `messages` (two shots or more) up to the middle of the
   * second shot: the first is saved into the file, the second only in the journal (its 100 ms fsync
   * window passed). Returns the recorder, still running, and the ids of the two sequences it opened.
   */
  async recordIntoSecondShot(db: string, messages: MessageEvent[]): Promise<{ rec: CliProcess; opened: string[] }> {
    const midSecond = afterShot(messages, 1) + Math.floor((afterShot(messages, 2) - afterShot(messages, 1)) / 2);
    const rec = await this.record(db);
    await this.publish(messages.slice(0, midSecond));
    await this.sync(rec);
    await sleep(300); // past the journal's 100 ms fsync window
    const opened = rec.lines(/sequence \S+ \(Espresso\) opened/).map((l) => /sequence (\S+) \(/.exec(l)![1]!);
    if (opened.length !== 2) throw new Error(`expected the recorder to open two sequences, it opened ${opened.length}:\n${rec.stderr}`);
    return { rec, opened };
  }

  /** Disconnects the publisher and stops the broker. */
  async stop(): Promise<void> {
    await this.pub.endAsync(true);
    await this.broker.stop();
  }
}

/** The index just after the n-th `sequence_complete` set in `messages` (n ≥ 1). */
export function afterShot(messages: MessageEvent[], n: number): number {
  let seen = 0;
  const k = messages.findIndex((m) => typeof m.payload === "string" && m.payload.includes('"sequence_complete", "action": "set"') && ++seen === n);
  if (k < 0) throw new Error(`the stream has fewer than ${n} shots`);
  return k + 1;
}
