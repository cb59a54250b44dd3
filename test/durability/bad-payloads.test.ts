/**
 * Bad payloads through a real mosquitto into the real `record` process: malformed JSON, bytes that
 * are not UTF-8, JSON that is not an object, missing and wrongly typed fields, a class on another
 * class's topic, unknown and unstored classes, a payload over 1 MB, deep nesting, empty payloads.
 * The recorder never stops, each kind is reported once (rate-limited), the tables equal those of
 * the clean stream, and well-formed values that look like SQL are stored verbatim (bound
 * parameters), as the native sqlite3 reads them back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { LiveFeed, afterShot } from "../support/live-feed";
import { scratch } from "../support/paths";
import { sqlite3 } from "../support/cli";
import { fileTables, referenceTables, syntheticMessages } from "../support/streams";
import type { MessageEvent } from "../../src/recorder/events";

const clean = syntheticMessages({ shots: 2, seed: 21 });
const one = afterShot(clean, 1) + 20;

/** The first message of a class at or after `from`, parsed. */
function sample(cls: string, from = 0): { k: number; o: Record<string, unknown> } {
  const k = clean.findIndex((m, i) => i >= from && m.topic === `pyDE1/${cls}`);
  return { k, o: JSON.parse(clean[k].payload as string) };
}

const msg = (topic: string, payload: string | Uint8Array): MessageEvent => ({ kind: "message", topic: `pyDE1/${topic}`, payload, time: 0 });

/** Junk made from the stream's own notifications; each entry: the message and the rejection kind it must get (or null: ignored). */
function junk(): [MessageEvent, string | null][] {
  const water = sample("WaterLevelUpdate", one).o;
  const scale = sample("WeightAndFlowUpdate", one).o;
  const shot = sample("ShotSampleWithVolumesUpdate", one).o;
  const gate = sample("SequencerGateNotification").o;
  const state = sample("StateUpdate").o;
  const text = (o: Record<string, unknown>, patch: Record<string, unknown> = {}) => JSON.stringify({ ...o, ...patch });
  const without = (o: Record<string, unknown>, key: string) => {
    const c = { ...o };
    delete c[key];
    return JSON.stringify(c);
  };
  let deep = "";
  for (let i = 0; i < 200_000; i++) deep += "[";
  return [
    [msg("WaterLevelUpdate", '{"arrival_time": 1, "level": '), "bad-json"],
    [msg("WaterLevelUpdate", ""), "bad-json"],
    [msg("StateUpdate", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), "not-utf8"],
    [msg("StateUpdate", new Uint8Array([0xc3, 0x28])), "not-utf8"],
    [msg("StateUpdate", '"Idle"'), "not-object"],
    [msg("StateUpdate", "[1, 2]"), "not-object"],
    [msg("StateUpdate", "null"), "not-object"],
    [msg("StateUpdate", "42"), "not-object"],
    [msg("WeightAndFlowUpdate", without(scale, "current_weight")), "missing-field"],
    [msg("WaterLevelUpdate", without(water, "event_time")), "missing-field"],
    [msg("SequencerGateNotification", without(gate, "sequence_id")), "missing-field"],
    [msg("ShotSampleWithVolumesUpdate", text(shot, { group_pressure: "1.0" })), "wrong-type"],
    [msg("ShotSampleWithVolumesUpdate", text(shot, { volume_by_frames: "[]" })), "wrong-type"],
    [msg("StateUpdate", text(state, { is_error_state: "false" })), "wrong-type"],
    [msg("SequencerGateNotification", text(gate, { sequence_id: 42 })), "wrong-type"],
    [msg("WaterLevelUpdate", text(water, { level: null })), "wrong-type"],
    [msg("WaterLevelUpdate", text(water, { arrival_time: { $gt: 1 } })), "wrong-type"],
    [msg("WaterLevelUpdate", text(state)), "class-mismatch"],
    [msg("WaterLevelUpdate", text(water, { pad: "x".repeat(1_100_000) })), "too-large"],
    [msg("WaterLevelUpdate", deep), "bad-json"],
    [msg("WaterLevelUpdate", `{"a": ${deep}`), "bad-json"],
    [msg("FancyNewNotification", text(water, { class: "FancyNewNotification" })), null],
    [msg("FirmwareUpload", text(water, { class: "FirmwareUpload" })), null],
    [msg("'; DROP TABLE sequence; --", text(water)), null],
  ];
}

describe("bad payloads through the real recorder", () => {
  let feed: LiveFeed;
  beforeAll(async () => {
    feed = await LiveFeed.start();
  });
  afterAll(async () => {
    await feed?.stop();
  });

  it("never stop it, are reported once per kind, and leave the tables exactly as the clean stream gives them; SQL-looking values are stored verbatim", async () => {
    // a well-formed StateUpdate inside the second shot whose strings look like SQL: recorded as is
    const { k, o } = sample("StateUpdate", afterShot(clean, 1) + 100);
    const evil = { substate: "Pour'); DROP TABLE sequence; --", sender: 'DE1" OR "1"="1', version: "1.0.0\\'; DELETE FROM state_update WHERE '1'='1" };
    const stream = [...clean];
    stream[k] = { ...clean[k], payload: JSON.stringify({ ...o, ...evil }) };
    const bad = junk();
    const db = join(scratch(), "pyde1.sqlite3");
    const proc = await feed.record(db, ["--idle-save", "1"]);
    await feed.publish(stream.slice(0, one));
    await feed.publish(bad.map(([m]) => m));
    await feed.publish(bad.map(([m]) => m)); // twice: the second time is not reported again
    await feed.sync(proc);
    expect(proc.running).toBe(true);
    await feed.publish(stream.slice(one));
    await feed.sync(proc);
    expect(await proc.signal("SIGTERM")).toBe(0);

    const kinds = [...new Set(bad.map(([, kind]) => kind).filter((x): x is string => x !== null))];
    const reports = proc.lines(/rejected a malformed payload/);
    for (const kind of kinds) expect(reports.filter((l) => l.includes(`(${kind}:`)).length, kind).toBe(1);
    expect(reports.length).toBe(kinds.length);
    expect(proc.lines(/unexpected failure|^\s+at /)).toEqual([]);

    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(await fileTables(db)).toEqual(await referenceTables(stream));
    // read back by the native sqlite3: verbatim, and the tables the strings name are all there
    const row = sqlite3(db, `SELECT json_array(substate, sender, version) FROM state_update WHERE substate LIKE 'Pour''%'`);
    expect(JSON.parse(row)).toEqual([evil.substate, evil.sender, evil.version]);
    expect(Number(sqlite3(db, "SELECT count(*) FROM sequence"))).toBe(3); // the seed row and two shots
  }, 60_000);
});
