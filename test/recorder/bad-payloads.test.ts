import { describe, expect, it } from "vitest";
import { NO_PROFILE_RECORDING, SHOTS_RECORDING, sequenceIdsOf } from "../support/paths";
import { Recorder } from "../../src/recorder/recorder";
import { readCapture } from "../../src/ingest/capture";
import type { RecorderEvent } from "../../src/recorder/events";
import { expectMatches, prepareStore, readRecording } from "./expected";
import { betweenShots, message, sample } from "./streams";

/**
 * Every kind of bad input from issue 6, made from the stream's own notifications at the given
 * place (so the clock stays plausible): each is rejected or ignored, never recorded.
 */
function junk(events: RecorderEvent[], at: number): { events: RecorderEvent[]; rejected: Record<string, number> } {
  const t = events[at].time;
  const water = sample(events, "WaterLevelUpdate", 0).object;
  const scale = sample(events, "WeightAndFlowUpdate", 0).object;
  const shot = sample(events, "ShotSampleWithVolumesUpdate", 0).object;
  const state = sample(events, "StateUpdate", 0).object;
  const gate = sample(events, "SequencerGateNotification", 0).object;
  const at_ = (o: Record<string, unknown>, patch: Record<string, unknown>) => JSON.stringify({ ...o, arrival_time: t, ...patch });
  const without = (o: Record<string, unknown>, key: string) => {
    const c: Record<string, unknown> = { ...o, arrival_time: t };
    delete c[key];
    return JSON.stringify(c);
  };
  const r = "pyDE1/";
  const list: [string, string | Uint8Array][] = [
    [r + "WaterLevelUpdate", '{"arrival_time": 1, "level": '], // malformed JSON
    [r + "StateUpdate", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])], // not UTF-8
    [r + "StateUpdate", at_(state, {}).replace('"StateUpdate"', '"State\ud800Update"')], // text with a lone surrogate (high)
    [r + "StateUpdate", at_(state, {}).replace('"StateUpdate"', '"State\udc00Update"')], // (low)
    [r + "StateUpdate", '"Idle"'], // JSON, not an object
    [r + "StateUpdate", "[1, 2]"],
    [r + "StateUpdate", "null"],
    [r + "WeightAndFlowUpdate", without(scale, "current_weight")], // missing a class field
    [r + "WaterLevelUpdate", without(water, "event_time")], // missing a base field
    [r + "ShotSampleWithVolumesUpdate", at_(shot, { group_pressure: "1.0" })], // wrong types
    [r + "ShotSampleWithVolumesUpdate", at_(shot, { volume_by_frames: "[]" })],
    [r + "StateUpdate", at_(state, { is_error_state: "false" })],
    [r + "SequencerGateNotification", at_(gate, { sequence_id: 42 })],
    [r + "WaterLevelUpdate", at_(water, { level: null })],
    [r + "WaterLevelUpdate", at_(state, {})], // a StateUpdate on another class's topic
    [r + "WaterLevelUpdate", at_(water, { pad: "x".repeat(1_100_000) })], // over 1 MB
  ];
  const rejected = {
    "bad-json": 1,
    "not-utf8": 3,
    "not-object": 3,
    "missing-field": 2,
    "wrong-type": 5,
    "class-mismatch": 1,
    "too-large": 1,
  };
  const ignored: [string, string][] = [
    [r + "FancyNewNotification", at_(water, { class: "FancyNewNotification" })], // unknown class
    [r + "FirmwareUpload", at_(water, { class: "FirmwareUpload" })], // never stored
    [r + "log", "a log line"],
    ["elsewhere/WaterLevelUpdate", at_(water, {})],
  ];
  // A well-formed notification whose strings look like SQL is accepted (stored verbatim when it is
  // recorded); here it is early enough to roll out of its 3-deep buffer before the next shot.
  const sqlish = at_(water, { sender: "DE1'); DROP TABLE sequence; --", version: "1.0.0\" OR 1=1" });
  const out = [...list, ...list, ...ignored].map(([topic, payload]) => message(topic, payload, t));
  out.push(message(r + "WaterLevelUpdate", sqlish, t));
  return { events: out, rejected: Object.fromEntries(Object.entries(rejected).map(([k, v]) => [k, 2 * v])) };
}

describe("bad payloads", () => {
  it("are rejected and counted, reported at most once a minute per kind, and the shots after them are recorded exactly", async () => {
    const rec = readRecording(SHOTS_RECORDING);
    const events = [...readCapture(rec.capture)];
    const split = betweenShots(events, 1) - 60; // after the second shot, well before the third one's pre-roll
    const bad = junk(events, split);
    const early = junk(events, 3);
    const stream = [...events.slice(0, 3), ...early.events, ...events.slice(3, split), ...bad.events, ...events.slice(split)];
    const store = await prepareStore(rec);
    const lines: string[] = [];
    const recorder = new Recorder(store, { log: (level, line) => level !== "debug" && lines.push(line) });
    for (const e of stream) recorder.handle(e);
    recorder.close();
    expectMatches(store, rec);
    const want = Object.fromEntries(Object.entries(bad.rejected).map(([k, v]) => [k, v * 2]));
    expect(recorder.stats.rejected).toEqual(want);
    expect(recorder.stats.ignored).toEqual({ "unknown-class": 2, "unstored-class": 2, "other-topic": 4 });
    // the early junk and the later junk are more than a minute apart: two reports per kind
    const reports = lines.filter((l) => l.includes("rejected a malformed payload"));
    expect(reports.length).toBe(2 * Object.keys(want).length);
    expect(reports.some((l) => l.includes("more since the last report"))).toBe(true);
    expect(store.db.exec("SELECT count(*) FROM sequence")[0].values[0][0]).toBe(sequenceIdsOf(SHOTS_RECORDING).length + 1); // + 'dummy'
    store.close();
  });

  it("stores well-formed values that look like SQL verbatim", async () => {
    const rec = readRecording(NO_PROFILE_RECORDING);
    const events = [...readCapture(rec.capture)];
    const k = events.findIndex((e, i) => i > 300 && e.kind === "message" && e.topic === "pyDE1/StateUpdate");
    const state = sample(events, "StateUpdate", k);
    const evil = "Idle'); DELETE FROM sequence; --";
    const payload = JSON.stringify({ ...state.object, substate: evil, sender: 'x" OR "1"="1' });
    const stream = [...events.slice(0, k), message(state.event.topic, payload, state.event.time), ...events.slice(k + 1)];
    const store = await prepareStore(rec);
    const recorder = new Recorder(store);
    for (const e of stream) recorder.handle(e);
    recorder.close();
    const rows = store.db.exec("SELECT substate, sender FROM state_update WHERE substate LIKE '%DELETE%'")[0].values;
    expect(rows).toEqual([[evil, 'x" OR "1"="1']]);
    expect(store.db.exec("SELECT count(*) FROM sequence")[0].values[0][0]).toBe(sequenceIdsOf(NO_PROFILE_RECORDING).length + 1); // + 'dummy'
    store.close();
  });
});
