/**
 * How the recorder's events are written in its journal (`<db>.journal`, see store/persist/journal).
 *
 * A message whose payload is well-formed text without a newline, on a topic without a tab or
 * newline — every pyDE1 notification — is one line `m<TAB>TIME<TAB>TOPIC<TAB>PAYLOAD`, the payload
 * as received, not escaped. Anything else (an HTTP answer, a payload that is not UTF-8, text with a
 * newline) is `j` followed by the event as JSON, a payload that is not UTF-8 in base64.
 */
import type { JournalCodec } from "../store/persist/journal-format";
import type { RecorderEvent } from "../recorder/events";

/** An event as JSON in the journal (a payload that is not UTF-8 goes as base64). */
type JsonEvent =
  | { kind: "message"; topic: string; payload?: string; payload_base64?: string; time: number }
  | { kind: "resource"; path: string; body: string; time: number; sequenceId?: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A payload's bytes as text when they are UTF-8 (every accepted notification's are), else null. */
function utf8Text(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** True when `text` has no lone surrogate (so its UTF-8 bytes decode back to the same string). */
const wellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

function toJson(e: RecorderEvent): JsonEvent {
  if (e.kind !== "message") return { ...e };
  // a string goes as it is (JSON escapes a lone surrogate, so it comes back the same)
  const text = typeof e.payload === "string" ? e.payload : utf8Text(e.payload);
  return text !== null
    ? { kind: "message", topic: e.topic, payload: text, time: e.time }
    : { kind: "message", topic: e.topic, payload_base64: Buffer.from(e.payload).toString("base64"), time: e.time };
}

/** A JSON-stored event (this format's `j` lines, and every record of the journal's first format). */
export function fromJson(stored: unknown): RecorderEvent {
  const e = stored as JsonEvent;
  if (e.kind === "message") {
    const payload = e.payload ?? new Uint8Array(Buffer.from(e.payload_base64 ?? "", "base64"));
    return { kind: "message", topic: e.topic, payload, time: e.time };
  }
  return e;
}

/** The recorder's journal codec. */
export const RECORDER_CODEC: JournalCodec<RecorderEvent> = {
  encode(e) {
    if (e.kind === "message") {
      const text = typeof e.payload === "string" ? e.payload : utf8Text(e.payload);
      if (
        text !== null &&
        text.indexOf("\n") < 0 &&
        e.topic.indexOf("\t") < 0 &&
        e.topic.indexOf("\n") < 0 &&
        wellFormed(text) &&
        wellFormed(e.topic)
      ) {
        return `m\t${e.time}\t${e.topic}\t${text}`;
      }
    }
    return `j${JSON.stringify(toJson(e))}`;
  },
  decode(line) {
    if (line.charCodeAt(0) === 0x6d /* m */ && line.charCodeAt(1) === 9) {
      const a = line.indexOf("\t", 2);
      const b = line.indexOf("\t", a + 1);
      if (a < 0 || b < 0) throw new Error("journal: a message record without its fields");
      const time = line.slice(2, a);
      if (time === "") throw new Error("journal: a message record without its time");
      return { kind: "message", time: Number(time), topic: line.slice(a + 1, b), payload: line.slice(b + 1) };
    }
    if (line.charCodeAt(0) === 0x6a /* j */) return fromJson(JSON.parse(line.slice(1)));
    throw new Error("journal: not a record of the recorder");
  },
  fromFirstFormat: fromJson,
};
