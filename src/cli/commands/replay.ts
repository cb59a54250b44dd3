/** `pyde1-store replay`: publish a recorded sequence back over MQTT, time-shifted to now. */
import type { MqttClient } from "mqtt";
import { mqttClientLibrary } from "../../ingest/mqtt";
import type { Command } from "../command";
import { optional, required, UsageError } from "../command";
import { closeRead, openForRead } from "../open-db";
import { resolveSequenceArg } from "../sequence-arg";
import { replayMessages } from "../../export/replay";
import { BROKER_SCHEMES, checkUrl } from "../url-setting";

/** The `replay` command. */
export const replay: Command = {
  name: "replay",
  summary: "publish a recorded sequence over MQTT again, time-shifted to now",
  help: `Usage: pyde1-store replay --db FILE --sequence ID|latest --broker URL [--topic-root R] [--speed X]

Reads FILE (a live pyDE1 file's -wal is applied, nothing is written) and publishes every
notification row of the sequence — all 13 tables, in event_time order — to <R>/<class> (QoS 0,
not retained), as pyDE1 would have sent it: base fields, class and the class's fields, plus
"shifted": <seconds>, the key pyDE1's own replay tool adds to mark replayed data. Every time field
is moved by the same offset so the first message happens now; messages are paced as recorded.

Options:
  --db FILE              the database to read
  --sequence ID|latest   the sequence id ('pyde1-store list' shows them), or 'latest'
                         for the newest Espresso sequence
  --broker URL           the MQTT broker, e.g. mqtt://localhost:1883 (user:password@ allowed)
  --topic-root R         topic root (default pyDE1; use another to keep a recorder on pyDE1/# out)
  --speed X              X times real time (default 1); 0 sends as fast as possible
  -h, --help             show this help

Example:
  pyde1-store replay --db pyde1.sqlite3 --sequence latest --broker mqtt://localhost --topic-root replay`,
  options: {
    db: { type: "string" },
    sequence: { type: "string" },
    broker: { type: "string" },
    "topic-root": { type: "string" },
    speed: { type: "string" },
  },
  async run(args) {
    const path = required(args, "db");
    const sequence = required(args, "sequence");
    const broker = required(args, "broker");
    checkUrl(broker, "--broker", BROKER_SCHEMES, "mqtt://localhost:1883");
    const topicRoot = optional(args, "topic-root") ?? "pyDE1";
    if (topicRoot === "" || /[#+]/.test(topicRoot)) throw new UsageError(`--topic-root must be a topic without wildcards, not '${topicRoot}'`);
    const speedText = optional(args, "speed") ?? "1";
    const speed = Number(speedText);
    if (!Number.isFinite(speed) || speed < 0) throw new UsageError(`--speed must be a number ≥ 0, not '${speedText}'`);

    const ps = await openForRead(path);
    let id: string;
    let client: MqttClient | null = null;
    let replayed;
    try {
      id = resolveSequenceArg(ps.store.db, path, sequence);
      try {
        client = await mqttClientLibrary().connectAsync(broker, { clientId: `pyde1-store-replay-${process.pid}`, reconnectPeriod: 0, connectTimeout: 10_000 });
      } catch (e) {
        throw new Error(`${broker}: cannot connect to the MQTT broker (${(e as Error).message}). Check --broker and that the broker is running.`);
      }
      replayed = replayMessages(ps.store.db, id, { topicRoot, now: Date.now() / 1000 });
      if (replayed.messages.length === 0) throw new Error(`${path}: sequence '${id}' has no notification rows; nothing to replay.`);
    } catch (e) {
      await client?.endAsync();
      throw e;
    } finally {
      await closeRead(ps);
    }
    try {
      const started = Date.now();
      for (const m of replayed.messages) {
        if (speed > 0) {
          const wait = started + (m.offset * 1000) / speed - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        await client.publishAsync(m.topic, m.payload, { qos: 0, retain: false });
      }
    } finally {
      await client.endAsync();
    }
    console.log(`replayed ${replayed.messages.length} notifications of ${id} to ${broker} under ${topicRoot}/, times shifted by ${replayed.shift.toFixed(3)} s`);
    return 0;
  },
};
