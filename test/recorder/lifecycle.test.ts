import { describe, expect, it } from "vitest";
import { SHOTS_RECORDING } from "../support/paths";
import { Recorder, type CloseReason } from "../../src/recorder/recorder";
import { readCapture } from "../../src/ingest/capture";
import type { MessageEvent, RecorderEvent } from "../../src/recorder/events";
import { SEQUENCE_RESOURCES } from "../../src/catalog";
import { expectMatches, expectSequenceRowsMatch, prepareStore, readRecording } from "./expected";
import { betweenShots, gateAt, message } from "./streams";

const rec = readRecording(SHOTS_RECORDING);
const events = [...readCapture(rec.capture)];
const ids = Object.keys(rec.manifest.sequences);

function record(stream: RecorderEvent[], options: ConstructorParameters<typeof Recorder>[1] = {}) {
  return prepareStore(rec).then((store) => {
    const ends: [string, CloseReason][] = [];
    const recorder = new Recorder(store, { ...options, onSequenceEnd: (s, why) => ends.push([s.id, why]) });
    for (const e of stream) recorder.handle(e);
    return { store, recorder, ends };
  });
}

describe("closing a sequence without its sequence_complete", () => {
  it("closes it when the next sequence's gates arrive, and files none of them under the old id", async () => {
    const lost = gateAt(events, "set", "sequence_complete");
    const { store, recorder, ends } = await record(events.filter((_, k) => k !== lost));
    recorder.close();
    expect(ends).toEqual([[ids[0], "superseded"], [ids[1], "complete"], [ids[2], "complete"]]);
    expect(store.sequences.get(ids[0])!.end_sequence).toBeNull();
    expectSequenceRowsMatch(store, rec, [ids[1], ids[2]]);
    const firstGates = store.db.exec("SELECT count(*) FROM sequencer_gate_notification WHERE sequence_id = ? AND action = 'clear'", [ids[0]]);
    expect(firstGates[0].values[0][0]).toBe(8); // its own clears only
    store.close();
  });

  it("closes it after the watchdog (checked on each event and by tick)", async () => {
    const lost = gateAt(events, "set", "sequence_complete");
    const stream = events.slice(0, betweenShots(events, 0)).filter((_, k) => k !== lost);
    const { store, recorder, ends } = await record(stream, { watchdogSeconds: 60 });
    expect(recorder.openSequence?.id).toBe(ids[0]);
    recorder.flush();
    const rows = store.db.exec("SELECT count(*) FROM weight_and_flow_update")[0].values[0][0];
    recorder.tick(stream.at(-1)!.time + 61);
    expect(ends).toEqual([[ids[0], "watchdog"]]);
    expect(recorder.openSequence).toBeNull();
    recorder.handle({ ...stream.at(-1)!, time: stream.at(-1)!.time + 62 }); // after the close: buffered only
    recorder.flush();
    expect(store.db.exec("SELECT count(*) FROM weight_and_flow_update")[0].values[0][0]).toBe(rows);
    store.close();
  });

  it("closes it when a pyDE1 will says Died", async () => {
    const mid = gateAt(events, "set", "sequence_exit_preinfuse");
    const stream = [...events.slice(0, mid), message("pyDE1/status/mqtt/notification", "Gone", events[mid].time), message("pyDE1/status/mqtt/notification", "Died", events[mid].time)];
    const { store, ends } = await record(stream);
    expect(ends).toEqual([[ids[0], "died"]]);
    store.close();
  });
});

describe("pyDE1's abort of a sequence that never ran", () => {
  it("is accepted without a warning, opens and ends nothing, and is stored nowhere, as in pyDE1's file", async () => {
    // At the first flow after pyDE1 starts it sets sequence_complete for the id it started with,
    // active_state null, just before it clears the new sequence's gates (here once more before the second shot)
    const phantom = (before: number, id: string) => {
      const first = events[before] as MessageEvent;
      const o = JSON.parse(first.payload as string) as Record<string, unknown>;
      const t = (o.arrival_time as number) - 0.002;
      const payload = JSON.stringify({ ...o, arrival_time: t, create_time: t, name: "sequence_complete", action: "set", sequence_id: id, active_state: null, event_time: t + 0.001 });
      return message(first.topic, payload, first.time);
    };
    const starts = [0, 1].map((n) => gateAt(events, "clear", "sequence_start", n === 0 ? 0 : betweenShots(events, 0)));
    const stream = [...events.slice(0, starts[0]), phantom(starts[0], "6d1f3a0e-5b1c-4c2a-9f7e-000000000001"), ...events.slice(starts[0], starts[1]), phantom(starts[1], "6d1f3a0e-5b1c-4c2a-9f7e-000000000002"), ...events.slice(starts[1])];
    const warnings: string[] = [];
    const { store, recorder, ends } = await record(stream, { log: (level, line) => level === "warn" && warnings.push(line) });
    recorder.close();
    expect(recorder.stats.rejected).toEqual({});
    expect(warnings).toEqual([]);
    expect(ends).toEqual([[ids[0], "complete"], [ids[1], "complete"], [ids[2], "complete"]]);
    expectMatches(store, rec);
    store.close();
  });
});

describe("without pyDE1's HTTP answers", () => {
  const noAnswers = events.filter((e) => e.kind === "message");

  it("a master row points at last_profile, assumed, with NULL resources", async () => {
    const { store, recorder } = await record(noAnswers);
    recorder.close();
    const row = store.sequences.get(ids[0])!;
    expect(row.profile_id).toBe(store.hkv.lastProfileId());
    expect(row.profile_assumed).toBe(1);
    for (const r of SEQUENCE_RESOURCES) expect(row[r.column as `resource_${string}`]).toBeNull();
    store.close();
  });

  it("takes the profile and resources from the latest update messages, and last_profile follows the selection", async () => {
    const t = events[5].time;
    const control = '{"espresso": {"stop_at_weight": 36.0, "move_on_weight": []}, "steam": {"stop_at_time": 1e-05}, "tank_water_threshold": {"temperature": 0}}';
    const setting = '{"before_flow": {"heater_phase1_flow": 2.5}, "steam": {"temperature": 160, "flow": 1.50}, "target_group_temp": {"temperature": 92}}';
    const updates = [
      message("pyDE1/update/de1/profile/id", '{"id": "0123456789abcdef0123456789abcdef01234567", "timestamp": 1700700005.1234567}', t),
      message("pyDE1/update/de1/control", control, t),
      message("pyDE1/update/de1/setting", setting, t),
      message("pyDE1/update/de1/calibration", '{"flow_multiplier": {"multiplier": 1.0}, "line_frequency": {"hz": 60}}', t),
    ];
    const { store, recorder } = await record([...noAnswers.slice(0, 5), ...updates, ...noAnswers.slice(5)]);
    recorder.close();
    const row = store.sequences.get(ids[0])!;
    expect(row.profile_id).toBe("0123456789abcdef0123456789abcdef01234567");
    expect(row.profile_assumed).toBe(0);
    expect(row.resource_de1_control_mode).toBe('{"stop_at_weight": 36.0, "move_on_weight": []}');
    expect(row.resource_de1_control_tank_water_threshold).toBe('{"temperature": 0}');
    expect(row.resource_de1_setting_steam).toBe('{"temperature": 160, "flow": 1.50}');
    expect(row.resource_de1_setting_before_flow).toBe('{"heater_phase1_flow": 2.5}');
    expect(row.resource_de1_setting_target_group_temp).toBe('{"temperature": 92}');
    expect(row.resource_de1_calibration_flow_multiplier).toBe('{"multiplier": 1.0}');
    expect(row.resource_version).toBeNull();
    expect(store.hkv.get("last_profile", "id")).toBe("0123456789abcdef0123456789abcdef01234567");
    expect(store.hkv.get("last_profile", "datetime")).toBe("1700700005.12346");
    expect(recorder.stats.updates).toBe(4);
    store.close();
  });
});

describe("state kept across a save (for the journal)", () => {
  it("a new recorder primed with retained() continues exactly where the old one stopped", async () => {
    for (const shot of [0, 1]) {
      const split = betweenShots(events, shot);
      const first = await record(events.slice(0, split));
      first.recorder.flush();
      expect(first.recorder.openSequence).toBeNull();
      const kept = first.recorder.retained();
      expect(kept.length).toBeGreaterThan(0);
      const accepted: RecorderEvent[] = [];
      const second = new Recorder(first.store, { onAccepted: (e) => accepted.push(e) });
      second.prime(kept);
      expect(second.stats.accepted).toBe(0);
      expect(accepted).toEqual([]);
      for (const e of events.slice(split)) second.handle(e);
      second.close();
      expectMatches(first.store, rec);
      first.store.close();
    }
  });
});
