import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { RECORDER_CODEC, fromJson } from "../../src/ingest/journal-codec";
import { Journal } from "../../src/store/persist/journal";
import { readJournal } from "../../src/store/persist/journal-format";
import type { RecorderEvent } from "../../src/recorder/events";
import { scratch } from "../support/paths";

const notification = '{"arrival_time": 1700000000.123, "event_time": 1700000000.1, "text": "a\\"b\\\\c\\ttab"}';
const events: RecorderEvent[] = [
  { kind: "message", topic: "pyDE1/ShotSampleWithVolumesUpdate", payload: notification, time: 1700000000.1234567 },
  { kind: "message", topic: "pyDE1/StateUpdate", payload: new TextEncoder().encode('{"state": "Espresso", "ü": "°"}'), time: 1 },
  { kind: "message", topic: "pyDE1/Bad", payload: new Uint8Array([0xff, 0xfe, 0x00, 0x0a]), time: 2.5 },
  { kind: "message", topic: "pyDE1/Multi", payload: '{"a":\n1}', time: 3 },
  { kind: "message", topic: "pyDE1/Lone", payload: '{"s": "\ud800"}', time: 4 },
  { kind: "message", topic: "pyDE1/Tab\there", payload: "{}", time: 5 },
  { kind: "message", topic: "pyDE1/Empty", payload: "", time: 6 },
  { kind: "resource", path: "de1/profile/id", body: '{"id": "x"}', time: 7, sequenceId: "s-1" },
  { kind: "resource", path: "de1/control/espresso", body: "null", time: 8 },
];

/** The event as the recorder sees it after a round trip (bytes that are UTF-8 come back as text). */
const expected = (e: RecorderEvent): RecorderEvent => {
  if (e.kind !== "message" || typeof e.payload === "string") return e;
  try {
    return { ...e, payload: new TextDecoder("utf-8", { fatal: true }).decode(e.payload) };
  } catch {
    return e;
  }
};

describe("the recorder's journal codec", () => {
  it("writes a notification as one unescaped line: m, time, topic, the payload as received", () => {
    expect(RECORDER_CODEC.encode(events[0])).toBe(`m\t1700000000.1234567\tpyDE1/ShotSampleWithVolumesUpdate\t${notification}`);
  });

  it("falls back to JSON for what a plain line cannot carry, and never writes a newline", () => {
    for (const e of events) expect(RECORDER_CODEC.encode(e)).not.toContain("\n");
    expect(events.slice(2, 6).map((e) => RECORDER_CODEC.encode(e)[0])).toEqual(["j", "j", "j", "j"]);
    expect(RECORDER_CODEC.encode(events[7])[0]).toBe("j");
  });

  it("brings every event back as the recorder saw it, through a journal file", () => {
    const path = join(scratch(), "db.journal");
    const { journal } = Journal.open<RecorderEvent>(path, { codec: RECORDER_CODEC });
    for (const e of events) journal.append(e);
    journal.close();
    const back = readJournal<RecorderEvent>(path, RECORDER_CODEC)!.records.map((r) => r.e);
    expect(back).toEqual(events.map(expected));
  });

  it("reads events of the journal's first format (JSON, base64 for bytes)", () => {
    expect(fromJson({ kind: "message", topic: "t", payload_base64: "//4=", time: 1 })).toEqual({ kind: "message", topic: "t", payload: new Uint8Array([0xff, 0xfe]), time: 1 });
    expect(RECORDER_CODEC.fromFirstFormat!({ kind: "message", topic: "t", payload: "{}", time: 2 })).toEqual({ kind: "message", topic: "t", payload: "{}", time: 2 });
  });

  it("refuses a line that is not one of its records", () => {
    expect(() => RECORDER_CODEC.decode("x{}")).toThrow(/not a record/);
    expect(() => RECORDER_CODEC.decode("m\t1\tno-payload-field")).toThrow(/without its fields/);
  });
});
