/**
 * The MQTT feed: a client of the broker pyDE1 publishes to, subscribed to `<root>/#`, that keeps
 * coming back after the broker goes away (restart, network, refused credentials) with a growing
 * delay, and says so in the log once per change of state.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { IClientOptions, MqttClient } from "mqtt";
import type { Log } from "../recorder/log";

let loaded: typeof import("mqtt") | null = null;

/**
 * The mqtt package, loaded on first use: loading it takes about 0.1 s, which commands that never
 * connect (`record --from-capture`, `export`, `info`, …) should not pay at start-up.
 */
export function mqttClientLibrary(): typeof import("mqtt") {
  loaded ??= createRequire(import.meta.url)("mqtt") as typeof import("mqtt");
  return loaded;
}

/** The feed's connection state. */
export type FeedState = "connecting" | "connected" | "lost" | "refused" | "retrying" | "closed";

/** Settings of {@link connectFeed}. */
export interface FeedOptions {
  /** broker URL, e.g. `mqtt://localhost:1883`, `mqtts://pi.local:8883` */
  url: string;
  /** topic root pyDE1 publishes under (default `pyDE1`) */
  topicRoot?: string;
  username?: string;
  password?: string;
  /** a PEM file with the CA certificate(s) to trust for `mqtts://` */
  ca?: string;
  /** first retry delay in ms (default 1000); doubles up to `maxRetryMs` (default 30000) */
  minRetryMs?: number;
  maxRetryMs?: number;
  log: Log;
  /** each message as received: topic and payload bytes */
  onMessage: (topic: string, payload: Uint8Array) => void;
  /** each change of state */
  onState?: (state: FeedState) => void;
}

/** A running feed. */
export interface Feed {
  /** the current state */
  readonly state: FeedState;
  /** disconnects and stops retrying */
  close(): Promise<void>;
}

const REFUSED_CODES = new Set([4, 5, 134, 135]); // bad user name or password, not authorized (v3.1.1, v5)

/** Connects to the broker and subscribes to `<root>/#`; never gives up until closed. */
export function connectFeed(options: FeedOptions): Feed {
  const root = (options.topicRoot ?? "pyDE1").replace(/\/+$/, "");
  const minDelay = options.minRetryMs ?? 1000;
  const maxDelay = options.maxRetryMs ?? 30_000;
  let delay = minDelay;
  let state: FeedState = "connecting";
  const lastLine = new Map<string, string>(); // per topic of the log: the line said last
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closing = false;

  /** Moves to a state, and logs `line` unless it is what was last said on that topic. */
  const say = (next: FeedState, level: "info" | "warn", line: string, topic = "state") => {
    if (next !== state) {
      state = next;
      options.onState?.(next);
    }
    if (lastLine.get(topic) !== line) {
      lastLine.set(topic, line);
      options.log(level, line);
    }
  };

  const clientOptions: IClientOptions = {
    reconnectPeriod: 0, // we reconnect ourselves, with a growing delay
    connectTimeout: 10_000,
    clean: true,
    resubscribe: false,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.ca ? { ca: readFileSync(options.ca) } : {}),
  };
  const client: MqttClient = mqttClientLibrary().connect(options.url, clientOptions);

  client.on("connect", () => {
    delay = minDelay;
    lastLine.clear();
    say("connected", "info", `mqtt: connected to ${options.url}, subscribed to ${root}/#`);
    client.subscribe(`${root}/#`, { qos: 0 }, (err) => {
      if (err) options.log("error", `mqtt: subscribing to ${root}/# failed: ${err.message}`);
    });
  });
  client.on("message", (topic, payload) => options.onMessage(topic, payload));
  client.on("error", (err: Error & { code?: unknown }) => {
    if (typeof err.code === "number" && REFUSED_CODES.has(err.code)) {
      say("refused", "warn", `mqtt: ${options.url} refused the credentials (${err.message}); check --username/--password`);
    } else if (state !== "refused") {
      const hint = err.code === "ECONNREFUSED" || err.code === "ENOTFOUND" ? " (is the broker running there? set --broker or PYDE1_STORE_BROKER)" : "";
      say(state === "connected" ? "lost" : state, "warn", `mqtt: ${options.url}: ${err.message}${hint}`, "error");
    }
  });
  client.on("close", () => {
    if (closing) return;
    if (state === "connected") say("lost", "warn", `mqtt: lost the connection to ${options.url}`);
    if (timer) return;
    const wait = delay;
    delay = Math.min(maxDelay, delay * 2);
    if (state !== "refused") say("retrying", "info", `mqtt: retrying in ${Math.round(wait / 100) / 10} s`, "retry");
    timer = setTimeout(() => {
      timer = null;
      if (!closing) client.reconnect();
    }, wait);
  });

  return {
    get state() {
      return state;
    },
    close(): Promise<void> {
      closing = true;
      if (timer) clearTimeout(timer);
      timer = null;
      state = "closed";
      return new Promise((resolve) => client.end(true, {}, () => resolve()));
    },
  };
}
