/**
 * A deterministic, realistic stream of pyDE1 notifications for benchmarks and long tests: idle
 * time with water-level and scale updates, then espresso sequences with pyDE1's gate order, ~4.8
 * shot samples/s, ~10 scale updates/s, 30–90 s shots with pre-roll, and the HTTP answers pyDE1
 * gives at sequence start. Lines are in the fixtures' capture format (NDJSON), payload keys in
 * pyDE1's order, numbers written as Python writes them.
 */
import { pythonJson, type PyJsonValue } from "../../src/export/python-json";

/** Options for {@link syntheticCapture}. */
export interface SyntheticOptions {
  /** how many espresso sequences (default 20) */
  shots?: number;
  /** PRNG seed (default 1) */
  seed?: number;
  /** epoch seconds of the first event (default 1700000000) */
  start?: number;
  /** profile id pyDE1 reports at sequence start (default: a fixed 40-hex id) */
  profileId?: string;
  /** topic root (default pyDE1) */
  root?: string;
  /**
   * after most shots (70 %), a short group-head flush (a HotWaterRinse sequence of 4–10 s), as real
   * histories have; makes bytes per sequence close to real pyDE1 files (default false)
   */
  flushes?: boolean;
}

/** A small deterministic PRNG (mulberry32): the same seed, the same numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uuid4-shaped id from the PRNG. */
function uuid(rand: () => number): string {
  const hex = () => Math.floor(rand() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join("");
  return `${part(8)}-${part(4)}-4${part(3)}-a${part(3)}-${part(12)}`;
}

/** Rounds to what a binary fixed-point DE1 value looks like (multiples of 1/256). */
const fixed = (x: number) => Math.round(x * 256) / 256;
const micro = (x: number) => Math.round(x * 1e6) / 1e6;

/** Yields capture lines (without newlines) for the whole stream. */
export function* syntheticCapture(options: SyntheticOptions = {}): Generator<string> {
  const rand = prng(options.seed ?? 1);
  const root = options.root ?? "pyDE1";
  const profileId = options.profileId ?? "0123456789abcdef0123456789abcdef01234567";
  let t = options.start ?? 1700000000;
  type Ev = { at: number; line: string };
  const queue: Ev[] = [];
  const emit = (at: number, cls: string, fields: Record<string, PyJsonValue>, version: string, sender: string) => {
    const arrival = micro(at);
    const payload = pythonJson({
      arrival_time: arrival,
      create_time: micro(arrival + 0.0002 + rand() * 0.0005),
      ...fields,
      version,
      event_time: micro(arrival + 0.0008 + rand() * 0.001),
      sender,
      class: cls,
    });
    queue.push({ at: arrival, line: JSON.stringify({ topic: `${root}/${cls}`, payload }) });
  };
  const resource = (at: number, path: string, body: string) => {
    queue.push({ at: micro(at), line: JSON.stringify({ resource: path, body }) });
  };
  const flush = function* (upTo: number) {
    queue.sort((a, b) => a.at - b.at);
    while (queue.length && queue[0].at <= upTo) yield queue.shift()!.line;
  };

  let sampleTime = 40000;
  let weight = 0;
  const scale = (from: number, to: number, flowAt: (s: number) => number) => {
    for (let s = from; s < to; s += 0.1 + (rand() - 0.5) * 0.01) {
      const f = flowAt(s);
      weight += f * 0.1;
      const w = Math.round(weight * 10) / 10;
      emit(s + 0.07, "WeightAndFlowUpdate", {
        scale_time: micro(s), current_weight: w, current_weight_time: micro(s),
        average_flow: Math.round(f * 100) / 100, average_flow_time: micro(s - 0.2),
        median_weight: w, median_weight_time: micro(s - 0.15),
        median_flow: Math.round(f * 100) / 100, median_flow_time: micro(s - 0.3),
      }, "1.0.0", "ScaleProcessor");
    }
  };
  const samples = (from: number, to: number, shape: (s: number) => { p: number; f: number; frame: number }, volume: { total: number }) => {
    for (let s = from; s < to; s += 0.2083 + (rand() - 0.5) * 0.01) {
      const { p, f, frame } = shape(s);
      volume.total += f * 0.2083;
      sampleTime = (sampleTime + 25) % 65536;
      const v = Math.round(volume.total * 1e6) / 1e6;
      emit(s, "ShotSampleWithVolumesUpdate", {
        sample_time: BigInt(sampleTime), group_pressure: fixed(p), group_flow: fixed(f),
        mix_temp: fixed(88 + rand()), head_temp: 92 + rand() * 0.5,
        set_mix_temp: 88.0, set_head_temp: 92.0, set_group_pressure: fixed(p + 0.2), set_group_flow: fixed(f + 0.1),
        frame_number: BigInt(frame), steam_temp: BigInt(146), de1_time: micro(s),
        volume_preinfuse: Math.min(v, 8), volume_pour: Math.max(0, v - 8), volume_total: v,
        volume_by_frames: frame === 0 ? [] : [Math.min(v, 8), Math.max(0, v - 8)],
      }, "1.2.0", "DE1");
      if (rand() < 0.5) emit(s + 0.05, "WaterLevelUpdate", { level: fixed(40 - rand()), start_fill_level: 5.0 }, "1.0.0", "DE1");
    }
  };
  const gate = (at: number, id: string, name: string, action: string, activeState = "Espresso") =>
    emit(at, "SequencerGateNotification", { name, action, sequence_id: id, active_state: activeState }, "1.1.0", "FlowSequencerImpl");
  const state = (at: number, s: string, sub: string, ps: string, psub: string) =>
    emit(at, "StateUpdate", { state: s, substate: sub, previous_state: ps, previous_substate: psub, is_error_state: false }, "1.0.0", "DE1");

  // start-up
  emit(t, "ScaleChange", { state: "initial", role: "unknown", id: "", name: "GenericScale: (unknown)" }, "1.1.0", "GenericScale");
  for (const [i, s] of ["capturing", "captured", "ready"].entries()) {
    emit(t + 0.3 + i * 0.3, "DeviceAvailability", { state: s, role: "de1", id: "D9:B2:48:A1:B2:C3", name: "DE1" }, "1.1.0", "DE1");
    emit(t + 0.31 + i * 0.3, "ConnectivityChange", { state: ["connecting", "connected", "ready"][i], id: "D9:B2:48:A1:B2:C3", name: "DE1" }, "1.1.0", "DE1");
  }
  state(t + 1.1, "Idle", "NoState", "Sleep", "NoState");
  t += 2;

  const gates = ["sequence_start", "sequence_flow_begin", "sequence_expect_drops", "sequence_exit_preinfuse", "sequence_flow_end", "sequence_flow_state_exit", "sequence_last_drops", "sequence_complete"];
  for (let shot = 0; shot < (options.shots ?? 20); shot++) {
    const idle = 10 + rand() * 20;
    const vol = { total: 0 };
    samples(t, t + idle, () => ({ p: 0, f: 0, frame: 0 }), vol);
    scale(t, t + idle, () => 0);
    emit(t + idle - 5, "ScaleButtonPress", { button: BigInt(1) }, "1.0.0", "AtomaxSkaleII");
    emit(t + idle - 4.6, "ScaleTareSeen", {}, "1.0.0", "AtomaxSkaleII");
    weight = 0;
    yield* flush(t + idle);
    t += idle;

    const id = uuid(rand);
    const duration = 30 + rand() * 60;
    state(t, "Espresso", "HeatWaterHeater", "Idle", "NoState");
    gates.forEach((g, i) => gate(t + 0.003 + i * 0.0006, id, g, "clear"));
    emit(t + 0.009, "StopAtNotification", { stop_at: "weight", action: "disabled", target_value: 36.0, current_value: 0.0, active_state: "Espresso", current_frame: null }, "1.1.0", "FlowSequencerImpl");
    emit(t + 0.0092, "AutoTareNotification", { action: "enabled" }, "1.0.0", "FlowSequencerImpl");
    gate(t + 0.0105, id, "sequence_start", "set");
    resource(t + 0.02, "de1/profile/id", JSON.stringify({ id: profileId }));
    resource(t + 0.021, "de1/control/espresso", '{"stop_at_time": null, "stop_at_volume": null, "stop_at_weight": 36.0}');
    const flowStart = t + 2.9;
    const flowEnd = flowStart + duration;
    const shape = (s: number) => {
      if (s < flowStart) return { p: 0.1, f: 0.2, frame: 0 };
      const e = s - flowStart;
      if (e < 8) return { p: 1 + e * 0.4, f: 4 - e * 0.3, frame: 1 };
      return { p: 8.5 - (e / duration) * 3 + (rand() - 0.5) * 0.2, f: 1.8 + (rand() - 0.5) * 0.2, frame: 2 };
    };
    samples(t, flowEnd + 2, shape, vol);
    scale(t, flowEnd + 4, (s) => (s > flowStart + 4 && s < flowEnd + 1 ? 1.9 : 0));
    state(flowStart - 0.001, "Espresso", "PreInfuse", "Espresso", "HeatWaterHeater");
    gate(flowStart, id, "sequence_flow_begin", "set");
    gate(flowStart + 0.2, id, "sequence_expect_drops", "set");
    gate(flowStart + 8, id, "sequence_exit_preinfuse", "set");
    state(flowEnd - 0.003, "Espresso", "Flush", "Espresso", "Pour");
    gate(flowEnd, id, "sequence_flow_end", "set");
    state(flowEnd + 1.9, "Idle", "NoState", "Espresso", "Flush");
    gate(flowEnd + 1.901, id, "sequence_flow_state_exit", "set");
    gate(flowEnd + 3.0, id, "sequence_last_drops", "set");
    gate(flowEnd + 3.001, id, "sequence_complete", "set");
    yield* flush(flowEnd + 4);
    t = flowEnd + 4;
    if (options.flushes && rand() < 0.7) {
      t += 5 + rand() * 10;
      const rinse = uuid(rand);
      const length = 4 + rand() * 6;
      state(t, "HotWaterRinse", "HeatWaterHeater", "Idle", "NoState");
      gates.forEach((g, i) => gate(t + 0.003 + i * 0.0006, rinse, g, "clear", "HotWaterRinse"));
      gate(t + 0.0105, rinse, "sequence_start", "set", "HotWaterRinse");
      samples(t, t + length + 0.5, (s) => ({ p: s < t + 0.8 ? 0.2 : 1.5, f: s < t + 0.8 ? 0.5 : 6, frame: 0 }), { total: 0 });
      scale(t, t + length + 1, () => 0);
      gate(t + 0.8, rinse, "sequence_flow_begin", "set", "HotWaterRinse");
      gate(t + length, rinse, "sequence_flow_end", "set", "HotWaterRinse");
      state(t + length + 0.2, "Idle", "NoState", "HotWaterRinse", "Flush");
      gate(t + length + 0.201, rinse, "sequence_flow_state_exit", "set", "HotWaterRinse");
      gate(t + length + 0.9, rinse, "sequence_last_drops", "set", "HotWaterRinse");
      gate(t + length + 0.901, rinse, "sequence_complete", "set", "HotWaterRinse");
      yield* flush(t + length + 1);
      t += length + 1;
    }
  }
  yield* flush(Infinity);
}
