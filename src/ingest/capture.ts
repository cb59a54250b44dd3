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

/** Where one line lies in a byte array: `start` up to `end` (its line end excluded). */
export interface LineSpan {
  start: number;
  end: number;
}

/**
 * The lines of `bytes` from `from` up to `to` (LF or CRLF; empty lines dropped), as spans. One
 * span object is yielded again and again, changed: read it before asking for the next line.
 */
export function* lineSpans(bytes: Uint8Array, from = 0, to = bytes.length): Iterable<Readonly<LineSpan>> {
  const span: LineSpan = { start: 0, end: 0 };
  let start = from;
  while (start < to) {
    let lf = bytes.indexOf(0x0a, start);
    if (lf < 0 || lf > to) lf = to;
    const end = lf > start && bytes[lf - 1] === 0x0d ? lf - 1 : lf;
    if (end > start) {
      span.start = start;
      span.end = end;
      yield span;
    }
    start = lf + 1;
  }
}

/**
 * Turns capture lines into events, one line at a time, keeping the clock (the last notification
 * time seen). Shared by {@link readCapture} and the file reader, which decodes its lines itself.
 */
export class CaptureLineReader {
  /** The clock: the `arrival_time` of the last message whose payload held one. */
  clock: number;

  /** A reader whose clock starts at `startClock` (before the first notification time is seen). */
  constructor(startClock = 0) {
    this.clock = startClock;
  }

  /** The event of one line of text (no line end): an NDJSON event, else `topic payload` (`mosquitto_sub -v`); null when it holds none. */
  text(text: string): RecorderEvent | null {
    if (text.startsWith("{")) {
      try {
        const o = JSON.parse(text) as Record<string, unknown>;
        if (typeof o.topic === "string" && typeof o.payload === "string") return this.message(o.topic, o.payload);
        if (typeof o.topic === "string" && typeof o.payload_base64 === "string") {
          return this.message(o.topic, Uint8Array.from(atob(o.payload_base64), (c) => c.charCodeAt(0)));
        }
        if (typeof o.resource === "string" && typeof o.body === "string") {
          const sequenceId = typeof o.sequence_id === "string" ? { sequenceId: o.sequence_id } : {};
          return { kind: "resource", path: o.resource, body: o.body, time: this.clock, ...sequenceId };
        }
      } catch {
        /* not an NDJSON event: fall through */
      }
    }
    const space = text.indexOf(" ");
    if (space <= 0) return null;
    return this.message(text.slice(0, space), text.slice(space + 1));
  }

  /** The event of one line of bytes (no line end): as text when it is UTF-8, else a `mosquitto_sub -v` line with a binary payload (copied). */
  bytes(line: Uint8Array): RecorderEvent | null {
    let text: string | null = null;
    try {
      text = utf8.decode(line);
    } catch {
      /* a `mosquitto_sub -v` line whose payload is not UTF-8 */
    }
    if (text !== null) return this.text(text);
    const space = line.indexOf(0x20);
    if (space <= 0) return null;
    return this.message(lossy.decode(line.subarray(0, space)), new Uint8Array(line.subarray(space + 1))); // a copy (a Buffer's slice is not)
  }

  private message(topic: string, payload: string | Uint8Array): RecorderEvent {
    this.clock = arrivalTime(payload) ?? this.clock;
    return { kind: "message", topic, payload, time: this.clock };
  }
}

/**
 * The events of a capture (NDJSON or `mosquitto_sub -v` text, even mixed), in order: decoded once
 * as a whole when it is UTF-8 (the usual case), else line by line. Lines that hold no event are
 * skipped. `startClock` is the clock before the first notification time is seen.
 */
export function* readCapture(capture: string | Uint8Array, startClock = 0): Iterable<RecorderEvent> {
  const reader = new CaptureLineReader(startClock);
  let text: string | null = typeof capture === "string" ? capture : null;
  if (text === null) {
    try {
      text = utf8.decode(capture as Uint8Array);
    } catch {
      for (const { start, end } of lineSpans(capture as Uint8Array)) {
        const e = reader.bytes((capture as Uint8Array).subarray(start, end));
        if (e) yield e;
      }
      return;
    }
  }
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.charCodeAt(end - 1) === 0x0d ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    const e = line.length > 0 ? reader.text(line) : null;
    if (e) yield e;
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
