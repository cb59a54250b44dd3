/**
 * Lining scale readings up with DE1 shot samples the way de1app's legacy data did, and pyDE1's
 * shot file reproduces: for each shot sample, the scale reading *just before* it.
 */
import type { ScaleReading } from "./shot-data";

/**
 * For each sample time, the reading just before it, by pyDE1's exact walk: a cursor starts at the
 * second reading and moves on while the reading under it is earlier than the sample and it is not
 * on the last reading; the reading before the cursor is taken. So the first reading stands in for
 * samples before any reading, and the last reading is never used. With fewer than two readings
 * there is nothing to take and the result is empty (pyDE1 then writes an empty series).
 */
export function readingsBefore(readings: readonly ScaleReading[], sampleTimes: readonly number[]): ScaleReading[] {
  const last = readings.length - 1;
  if (last < 1) return [];
  const out: ScaleReading[] = [];
  let cursor = 1;
  for (const time of sampleTimes) {
    while (readings[cursor].time < time && cursor < last) cursor += 1;
    out.push(readings[cursor - 1]);
  }
  return out;
}
