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

const ARRIVAL = /"arrival_time"\s*:\s*(-?\d[\d.eE+-]*)/;

/**
 * The `arrival_time` of a payload that looks like a JSON object holding one. Read with a pattern
 * rather than a parse (the recorder parses the payload anyway); a payload that is not valid JSON
 * is rejected by the recorder, whichever clock it got.
 */
function arrivalTime(payload: string | Uint8Array): number | undefined {
  if (payload.length > 1024 * 1024) return undefined;
  const text = typeof payload === "string" ? payload : lossy.decode(payload);
  const m = ARRIVAL.exec(text);
  if (!m) return undefined;
  const t = Number(m[1]);
  return Number.isFinite(t) ? t : undefined;
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

/** What one capture line holds: a message (without its clock), an HTTP answer, or nothing. */
type Line = { topic: string; payload: string | Uint8Array } | { path: string; body: string; sequenceId?: string } | null;

/** One line of text: an NDJSON event, else `topic payload` (`mosquitto_sub -v`). */
function readTextLine(text: string): Line {
  if (text.startsWith("{")) {
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
  const space = text.indexOf(" ");
  if (space <= 0) return null;
  return { topic: text.slice(0, space), payload: text.slice(space + 1) };
}

/** One line of bytes: as text when it is UTF-8, else a `mosquitto_sub -v` line with a binary payload. */
function readLine(line: Uint8Array): Line {
  let text: string | null = null;
  try {
    text = utf8.decode(line);
  } catch {
    /* a `mosquitto_sub -v` line whose payload is not UTF-8 */
  }
  if (text !== null) return readTextLine(text);
  const space = line.indexOf(0x20);
  if (space <= 0) return null;
  return { topic: lossy.decode(line.subarray(0, space)), payload: line.slice(space + 1) };
}

/** The capture's lines read: decoded once as a whole when it is UTF-8 (the usual case), else line by line. */
function* readLines(capture: string | Uint8Array): Iterable<Line> {
  let text: string | null = typeof capture === "string" ? capture : null;
  if (text === null) {
    try {
      text = utf8.decode(capture as Uint8Array);
    } catch {
      for (const line of lines(capture as Uint8Array)) yield readLine(line);
      return;
    }
  }
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.charCodeAt(end - 1) === 0x0d ? text.slice(start, end - 1) : text.slice(start, end);
    if (line.length > 0) yield readTextLine(line);
    start = end + 1;
  }
}

/**
 * The events of a capture (NDJSON or `mosquitto_sub -v` text, even mixed), in order. Lines that
 * hold no event are skipped. `startClock` is the clock before the first notification time is seen.
 */
export function* readCapture(capture: string | Uint8Array, startClock = 0): Iterable<RecorderEvent> {
  let clock = startClock;
  for (const e of readLines(capture)) {
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
