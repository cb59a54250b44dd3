import { describe, expect, it } from "vitest";
import { readingsBefore } from "../../src/export/scale-alignment";

const readings = (...times: number[]) => times.map((time, i) => ({ value: i * 10, time }));

describe("readingsBefore (pyDE1's scale-to-sample alignment)", () => {
  it("takes the reading just before each sample", () => {
    const r = readings(1.0, 2.0, 3.0, 4.0, 5.0);
    expect(readingsBefore(r, [2.5, 3.5, 3.9]).map((x) => x.time)).toEqual([2.0, 3.0, 3.0]);
  });
  it("takes the earlier reading on an exact time match", () => {
    const r = readings(1.0, 2.0, 3.0, 4.0);
    expect(readingsBefore(r, [2.0, 3.0]).map((x) => x.time)).toEqual([1.0, 2.0]);
  });
  it("uses the first reading for samples before any reading, and never the last one", () => {
    const r = readings(5.0, 6.0, 7.0);
    expect(readingsBefore(r, [0.5, 6.5, 7.5, 100]).map((x) => x.time)).toEqual([5.0, 6.0, 6.0, 6.0]);
  });
  it("gives nothing with fewer than two readings", () => {
    expect(readingsBefore(readings(1.0), [2.0, 3.0])).toEqual([]);
    expect(readingsBefore([], [2.0])).toEqual([]);
  });
});
