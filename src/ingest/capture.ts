/**
 * Captures: a recorder's input log as a file. Two formats are read, line by line:
 * - NDJSON, one event a line: `{"topic": T, "payload": "<JSON text>"}` for an MQTT message,
 *   `{"resource": "<pyDE1 HTTP path>", "body": "<JSON text>"}` for an HTTP answer (the fixtures'
 *   format; ours may add `"sequence_id"` to an answer, and `"payload_base64"` for a payload that
 *   is not UTF-8);
 * - `mosquitto_sub -v` text: `topic payload` a line (the payload's bytes kept as they are).
 * The clock of each event is the notification's own `arrival_time` when its payload parses, else
 * the previous event's clock. Written captures are NDJSON.
 */
import type { RecorderEvent } from "../recorder/events";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const lossy = new TextDecoder("utf-8");

/** The `arrival_time` of a payload, when it is a JSON object holding one. */
function arrivalTime(payload: string | Uint8Array): number | undefined {
  if (payload.length > 1024 * 1024) return undefined;
  const text = typeof payload === "string" ? payload : lossy.decode(payload);
  if (!text.trimStart().startsWith("{")) return undefined;
  try {
    const t = (JSON.parse(text) as { arrival_time?: unknown }).arrival_time;
    return typeof t === "number" && Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

/** Splits bytes into lines (LF or CRLF), dropping empty lines. */
function* lines(bytes: Uint8Array): Iterable<Uint8Array> {
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      let end = i;
      if (end > start && bytes[end - 1] === 0x0d) end--;
      if (end > start) yield bytes.subarray(start, end);
      start = i + 1;
    }
  }
}

/** One line of a capture as an event without its clock, or null when the line holds none. */
function readLine(line: Uint8Array): { topic: string; payload: string | Uint8Array } | { path: string; body: string; sequenceId?: string } | null {
  let text: string | null = null;
  try {
    text = utf8.decode(line);
  } catch {
    /* a `mosquitto_sub -v` line whose payload is not UTF-8 */
  }
  if (text !== null && text.startsWith("{")) {
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      if (typeof o.topic === "string" && typeof o.payload === "string") return { topic: o.topic, payload: o.payload };
      if (typeof o.topic === "string" && typeof o.payload_base64 === "string") {
        return { topic: o.topic, payload: Uint8Array.from(atob(o.payload_base64), (c) => c.charCodeAt(0)) };
      }
      if (typeof o.resource === "string" && typeof o.body === "string") {
        return { path: o.resource, body: o.body, ...(typeof o.sequence_id === "string" ? { sequenceId: o.sequence_id } : {}) };
      }
    } catch {
      /* not an NDJSON event: fall through */
    }
  }
  const space = line.indexOf(0x20);
  if (space <= 0) return null;
  const topic = lossy.decode(line.subarray(0, space));
  const rest = line.subarray(space + 1);
  return { topic, payload: text !== null ? text.slice(text.indexOf(" ") + 1) : rest.slice() };
}

/**
 * The events of a capture (NDJSON or `mosquitto_sub -v` text, even mixed), in order. Lines that
 * hold no event are skipped. `startClock` is the clock before the first notification time is seen.
 */
export function* readCapture(capture: string | Uint8Array, startClock = 0): Iterable<RecorderEvent> {
  const bytes = typeof capture === "string" ? new TextEncoder().encode(capture) : capture;
  let clock = startClock;
  for (const line of lines(bytes)) {
    const e = readLine(line);
    if (!e) continue;
    if ("topic" in e) {
      clock = arrivalTime(e.payload) ?? clock;
      yield { kind: "message", topic: e.topic, payload: e.payload, time: clock };
    } else {
      yield { kind: "resource", path: e.path, body: e.body, time: clock, ...(e.sequenceId ? { sequenceId: e.sequenceId } : {}) };
    }
  }
}

/** One event as a line of an NDJSON capture (without the newline), in the fixtures' format. */
export function captureLine(event: RecorderEvent): string {
  if (event.kind === "resource") {
    const seq = event.sequenceId !== undefined ? `, "sequence_id": ${JSON.stringify(event.sequenceId)}` : "";
    return `{"resource": ${JSON.stringify(event.path)}, "body": ${JSON.stringify(event.body)}${seq}}`;
  }
  if (typeof event.payload === "string") return `{"topic": ${JSON.stringify(event.topic)}, "payload": ${JSON.stringify(event.payload)}}`;
  try {
    return `{"topic": ${JSON.stringify(event.topic)}, "payload": ${JSON.stringify(utf8.decode(event.payload))}}`;
  } catch {
    let binary = "";
    for (const b of event.payload) binary += String.fromCharCode(b);
    return `{"topic": ${JSON.stringify(event.topic)}, "payload_base64": ${JSON.stringify(btoa(binary))}}`;
  }
}
