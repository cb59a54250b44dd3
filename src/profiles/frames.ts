/**
 * The DE1 program for a profile: the BLE writes pyDE1 2.0.0 sends to load a profile, byte for
 * byte, in the order it sends them.
 *
 *  1. HeaderWrite (5 bytes): HeaderV = 1, NumberOfFrames (steps), NumberOfPreinfuseFrames
 *     (`target_volume_count_start`), MinimumPressure = 0 bar (U8P4), MaximumFlow = 10 ml/s (U8P4, 0xA0).
 *  2. One FrameWrite per step (8 bytes): frame number (0…), flags, SetVal (U8P4), Temp (U8P1),
 *     FrameLen (F8_1_7), TriggerVal (U8P4), MaxVol (U10P0 as a big-endian 16-bit number).
 *  3. One extension FrameWrite per step with a limiter above 0 (8 bytes): frame number + 32,
 *     MaxFlowOrPressure (U8P4), MaxFoPRange (U8P4), 5 zero bytes.
 *  4. The tail FrameWrite (8 bytes): frame number = number of steps, then MaxTotalVolume
 *     (`target_volume`, 10 bits) with bit 15 set ("ignore preinfusion volume"), as a 16-bit number
 *     in *little-endian* order (pyDE1 packs this one field in native order), then 5 zero bytes.
 *
 * Frame flags: CtrlF 0x01 (pump: flow), DoCompare 0x02 (has exit), DC_GT 0x04 (exit over),
 * DC_CompF 0x08 (exit on flow), TMixTemp 0x10 (sensor: water), Interpolate 0x20 (transition:
 * smooth), IgnoreLimit 0x40 (always set: the header's pressure/flow limits are ignored).
 */
import { ProfileValidationError } from "./errors";
import { F8_1_7, U10P0, U8P1, U8P4, maxTotalVolume, type FixedPointFormat } from "./fixed-point";
import { roundsAboveZeroAtTwoDecimals } from "./number";
import type { ProfileStep, ProfileV2 } from "./parse";

/** Frame flag bits of a DE1 shot frame. */
export const FrameFlag = {
  /** Pump targets flow (clear: pressure). */
  CtrlF: 0x01,
  /** Compare for an early exit (clear: no exit). */
  DoCompare: 0x02,
  /** Exit when the measure is greater than the trigger (clear: less than). */
  DC_GT: 0x04,
  /** Exit compares flow (clear: pressure). */
  DC_CompF: 0x08,
  /** Target the mix temperature (clear: the basket/coffee temperature). */
  TMixTemp: 0x10,
  /** Ramp smoothly to the target (clear: jump). */
  Interpolate: 0x20,
  /** Ignore the header's minimum pressure and maximum flow. */
  IgnoreLimit: 0x40,
} as const;

/** HeaderV: the shot-description header version the DE1 expects. */
export const HEADER_VERSION = 1;
/** The header's MinimumPressure pyDE1 sends, in bar. */
export const HEADER_MINIMUM_PRESSURE = 0;
/** The header's MaximumFlow pyDE1 sends, in ml/s. */
export const HEADER_MAXIMUM_FLOW = 10;
/** Extension frames are numbered from the step's frame number plus this. */
export const EXTENSION_FRAME_OFFSET = 32;
/** The tail's "ignore preinfusion" bit, OR-ed into MaxTotalVolume. */
export const TAIL_IGNORE_PREINFUSION = 0x8000;

/** What one BLE write is. */
export type FrameWriteKind = "header" | "frame" | "extension" | "tail";

/** One write to the DE1: the HeaderWrite characteristic for the header, FrameWrite for the rest. */
export interface FrameWrite {
  /** Which part of the program this is. */
  kind: FrameWriteKind;
  /** The frame number (first byte of a FrameWrite); null for the header. */
  frameNumber: number | null;
  /** The step this write comes from, or null for header and tail. */
  step: number | null;
  /** The bytes written. */
  bytes: Uint8Array;
}

/**
 * The writes that load a profile into the DE1, in pyDE1's order: header, every step's frame, every
 * extension frame, tail. Throws ProfileValidationError (naming step and field) when a value does
 * not fit its DE1 number format.
 */
export function encodeProfileFrames(profile: ProfileV2): FrameWrite[] {
  const n = profile.steps.length;
  const writes: FrameWrite[] = [{ kind: "header", frameNumber: null, step: null, bytes: encodeHeader(profile) }];
  for (const step of profile.steps) {
    writes.push({ kind: "frame", frameNumber: step.index, step: step.index, bytes: encodeShotFrame(step) });
  }
  for (const step of profile.steps) {
    const ext = encodeExtensionFrame(step);
    if (ext) writes.push({ kind: "extension", frameNumber: step.index + EXTENSION_FRAME_OFFSET, step: step.index, bytes: ext });
  }
  writes.push({ kind: "tail", frameNumber: n, step: null, bytes: encodeTail(profile) });
  return writes;
}

/** All the writes of `encodeProfileFrames` concatenated: the bytes the fingerprint is taken over. */
export function profileFrameBytes(profile: ProfileV2): Uint8Array {
  const writes = encodeProfileFrames(profile);
  const out = new Uint8Array(writes.reduce((sum, w) => sum + w.bytes.length, 0));
  let at = 0;
  for (const w of writes) {
    out.set(w.bytes, at);
    at += w.bytes.length;
  }
  return out;
}

/** The 5-byte HeaderWrite. */
export function encodeHeader(profile: ProfileV2): Uint8Array {
  const n = profile.steps.length;
  const pi = profile.preinfuseFrameCount;
  if (!(pi >= 0 && pi <= n)) {
    throw new ProfileValidationError(
      `rounds to ${pi} preinfusion frames; it must be between 0 and the number of steps (${n})`,
      { field: "target_volume_count_start" },
    );
  }
  return Uint8Array.of(HEADER_VERSION, n, pi, U8P4.encode(HEADER_MINIMUM_PRESSURE)!, U8P4.encode(HEADER_MAXIMUM_FLOW)!);
}

/** The flag byte of a step's shot frame. */
export function stepFlags(step: ProfileStep): number {
  let flags = FrameFlag.IgnoreLimit;
  if (step.pump === "flow") flags |= FrameFlag.CtrlF;
  if (step.exit) {
    flags |= FrameFlag.DoCompare;
    if (step.exit.condition === "over") flags |= FrameFlag.DC_GT;
    if (step.exit.type === "flow") flags |= FrameFlag.DC_CompF;
  }
  if (step.sensor === "water") flags |= FrameFlag.TMixTemp;
  if (step.transition === "smooth") flags |= FrameFlag.Interpolate;
  return flags;
}

/** The 8-byte FrameWrite of a step: frame number, flags, set value, temperature, length, trigger, max volume. */
export function encodeShotFrame(step: ProfileStep): Uint8Array {
  const target = step.pump === "pressure" ? step.pressure : step.flow;
  const maxVol = fit(U10P0, step.volume, step, "volume");
  return Uint8Array.of(
    step.index,
    stepFlags(step),
    fit(U8P4, target ?? Number.NaN, step, step.pump),
    fit(U8P1, step.temperature, step, "temperature"),
    fit(F8_1_7, step.seconds, step, "seconds"),
    step.exit ? fit(U8P4, step.exit.value, step, "exit.value") : 0,
    maxVol >> 8,
    maxVol & 0xff,
  );
}

/** The 8-byte extension FrameWrite of a step with a limiter above 0, or null when there is none. */
export function encodeExtensionFrame(step: ProfileStep): Uint8Array | null {
  const limiter = step.limiter;
  if (!limiter || !roundsAboveZeroAtTwoDecimals(limiter.value)) return null;
  return Uint8Array.of(
    step.index + EXTENSION_FRAME_OFFSET,
    fit(U8P4, limiter.value, step, "limiter.value"),
    fit(U8P4, limiter.range ?? Number.NaN, step, "limiter.range"),
    0, 0, 0, 0, 0,
  );
}

/** The 8-byte tail FrameWrite: frame number = steps, MaxTotalVolume | 0x8000 little-endian, 5 zeros. */
export function encodeTail(profile: ProfileV2): Uint8Array {
  const volume = maxTotalVolume(profile.targetVolume);
  if (volume === null) {
    throw new ProfileValidationError(`is ${profile.targetVolume}; give a volume in ml (0 for none)`, { field: "target_volume" });
  }
  const word = volume | TAIL_IGNORE_PREINFUSION;
  return Uint8Array.of(profile.steps.length, word & 0xff, word >> 8, 0, 0, 0, 0, 0);
}

function fit(format: FixedPointFormat, value: number, step: ProfileStep, field: string): number {
  const n = format.encode(value);
  if (n === null) {
    throw new ProfileValidationError(
      `is ${value}, which the DE1 cannot hold: its ${format.name} field takes ${format.range}`,
      { step: step.index, stepName: step.name, field },
    );
  }
  return n;
}
