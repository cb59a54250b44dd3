/**
 * The DE1's fixed-point number formats, as pyDE1 2.0.0 packs them for the shot-frame writes.
 * `UxPy` is an unsigned x-bit integer holding the value times 2^y; rounding is Python's
 * `round()` (ties to even) on the exactly scaled double. Each encoder returns the integer to put on
 * the wire, or null when the value does not fit the field (pyDE1 refuses such a profile).
 */
import { roundHalfEven } from "./number";

/** A DE1 number format: its name, the range it holds (for messages) and its encoder. */
export interface FixedPointFormat {
  /** The format's name in the DE1 API (`U8P4`, `F8_1_7`, …). */
  readonly name: string;
  /** The values it holds, for error messages. */
  readonly range: string;
  /** The wire integer for a value, or null when the value does not fit. */
  encode(value: number): number | null;
}

function unsigned(bits: number, fractionBits: number, range: string): FixedPointFormat {
  const max = 2 ** bits - 1;
  const scale = 2 ** fractionBits;
  return {
    name: `U${bits}P${fractionBits}`,
    range,
    encode(value: number): number | null {
      const n = roundHalfEven(value * scale);
      return Number.isFinite(n) && n >= 0 && n <= max ? n : null;
    },
  };
}

/** One byte, sixteenths: pressures in bar and flows in ml/s (set value, exit trigger, limiter, header limits). */
export const U8P4 = unsigned(8, 4, "0 to 15.9375 (steps of 1/16)");

/** One byte, halves: temperatures in °C. */
export const U8P1 = unsigned(8, 1, "0 to 127.5 (steps of 0.5)");

/** One byte, whole numbers: counts (frame numbers, number of frames). */
export const U8P0 = unsigned(8, 0, "0 to 255");

/** Ten bits, whole numbers: a frame's maximum volume in ml (packed into 16 bits, big-endian). */
export const U10P0 = unsigned(10, 0, "0 to 1023");

/**
 * One byte for a duration in seconds: below 12.75 s the low 7 bits hold tenths of a second (bit 7
 * clear: 5.0 s → 50 = 0x32); from 12.75 s up to (not including) 127.5 s bit 7 is set and the low 7
 * bits hold whole seconds (60 s → 0x80 | 60 = 0xBC). Tenths are `round(value * 10)` with the
 * product rounded to a double first, as in Python.
 */
export const F8_1_7: FixedPointFormat = {
  name: "F8_1_7",
  range: "0 to 127.4 seconds",
  encode(value: number): number | null {
    if (!(value >= 0)) return null; // negative or NaN
    if (value < 12.75) return roundHalfEven(value * 10);
    if (value < 127.5) return roundHalfEven(value) | 0x80;
    return null;
  },
};

/**
 * The shot tail's total-volume limit: Python `int(round(value)) & 0x3FF` — pyDE1 masks to 10 bits
 * rather than refusing, so 1030 ml becomes 6 ml. Null only for infinities and NaN.
 */
export function maxTotalVolume(value: number): number | null {
  const n = roundHalfEven(value);
  if (!Number.isFinite(n)) return null;
  return ((n % 1024) + 1024) % 1024;
}
