/**
 * Frame bytes against encodings worked out by hand from the DE1 formats (the expected hex below is
 * written from the format definitions, not produced by the code): U8P4 = round(x·16),
 * U8P1 = round(x·2), F8_1_7 = tenths below 12.75 s else 0x80 | whole seconds, U10P0 big-endian,
 * tail = (target_volume & 0x3FF) | 0x8000 little-endian; Python rounding, ties to even.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeProfileFrames, parseProfile, profileFrameBytes, readProfile } from "../../src/profiles";
import { flowStep, hex, pressureStep, profileBytes, profileObject, toHex, type Obj } from "./build";

function writes(steps: Obj[], over: Obj = {}): string[] {
  return encodeProfileFrames(parseProfile(profileBytes(profileObject(steps, over)))).map((w) => toHex(w.bytes));
}

/** The shot-frame write of a one-step profile. */
function frameOf(step: Obj): string {
  return writes([step])[1]!;
}

describe("whole programs", () => {
  it("one pressure step: header, frame, tail", () => {
    expect(writes([pressureStep()])).toEqual([
      "01 01 00 00 a0", // HeaderV 1, 1 frame, 0 preinfuse, min pressure 0, max flow 10·16
      "00 40 90 ba 32 00 00 00", // #0, IgnoreLimit, 9 bar, 93 °C, 5.0 s, no trigger, no volume
      "01 00 80 00 00 00 00 00", // tail #1, volume 0 | 0x8000 little-endian
    ]);
  });

  it("flags, exits, limiter extension frame, preinfuse count and total volume", () => {
    const steps = [
      flowStep({
        sensor: "water",
        transition: "smooth",
        temperature: "88.5",
        seconds: "60",
        volume: "100",
        exit: { type: "pressure", condition: "over", value: "4.0" },
        limiter: { value: "8.0", range: "0.6" },
      }),
      pressureStep({ exit: { type: "flow", condition: "under", value: "1.5" }, limiter: { value: "0", range: "0.6" } }),
    ];
    expect(writes(steps, { target_volume_count_start: "1", target_volume: "36" })).toEqual([
      "01 02 01 00 a0",
      // CtrlF|DoCompare|DC_GT|TMixTemp|Interpolate|IgnoreLimit = 0x77; 2.5 ml/s; 88.5 °C; 60 s; 4 bar; 100 ml
      "00 77 28 b1 bc 40 00 64",
      // DoCompare|DC_CompF|IgnoreLimit = 0x4a (pressure pump, exit flow under 1.5 = 0x18)
      "01 4a 90 ba 32 18 00 00",
      // extension #0+32: limit 8.0 = 0x80, range 0.6·16 = 9.6 → 10
      "20 80 0a 00 00 00 00 00",
      // tail #2: 36 | 0x8000 = 0x8024, little-endian
      "02 24 80 00 00 00 00 00",
    ]);
  });

  it("20 steps: frames 0–19, extension frame 51, tail #20", () => {
    const steps = Array.from({ length: 20 }, (_, i) =>
      pressureStep(i === 19 ? { limiter: { value: "3.5", range: "0.6" } } : {}),
    );
    const w = writes(steps);
    expect(w.length).toBe(1 + 20 + 1 + 1);
    expect(w[0]).toBe("01 14 00 00 a0");
    expect(w[20]).toBe("13 40 90 ba 32 00 00 00");
    expect(w[21]).toBe("33 38 0a 00 00 00 00 00");
    expect(w[22]).toBe("14 00 80 00 00 00 00 00");
  });

  it("the fingerprint is SHA-1 over the concatenated writes", async () => {
    const bytes = profileBytes(profileObject([pressureStep()]));
    const read = await readProfile(bytes);
    const frames = hex("01 01 00 00 a0  00 40 90 ba 32 00 00 00  01 00 80 00 00 00 00 00");
    expect(toHex(profileFrameBytes(read.profile))).toBe(toHex(frames));
    expect(read.fingerprint).toBe(createHash("sha1").update(frames).digest("hex"));
    expect(read.id).toBe(createHash("sha1").update(bytes).digest("hex"));
  });
});

describe("F8_1_7 frame length", () => {
  const cases: [string, string][] = [
    ["0", "00"],
    ["0.25", "02"], // 2.5 tenths, tie to even
    ["0.35", "04"], // 0.35·10 = 3.5 as a double, tie to even
    ["5.0", "32"],
    ["12.7", "7f"],
    ["12.74", "7f"],
    ["12.75", "8d"], // whole seconds from 12.75: 13 | 0x80
    ["13.5", "8e"], // tie to even: 14
    ["14.5", "8e"], // tie to even: 14
    ["60", "bc"],
    ["127", "ff"],
    ["127.4", "ff"],
  ];
  for (const [seconds, byte] of cases) {
    it(`${seconds} s → 0x${byte}`, () => expect(frameOf(pressureStep({ seconds })).split(" ")[4]).toBe(byte));
  }
});

describe("U8P4 pressure / flow / trigger", () => {
  const cases: [string, string][] = [
    ["9.0", "90"],
    ["8.6", "8a"], // 137.6 → 138
    ["1.03125", "10"], // 16.5 → 16 (tie to even; Math.round would give 17)
    ["1.09375", "12"], // 17.5 → 18
    ["15.9375", "ff"],
    ["-0.03", "00"], // -0.48 → 0: pyDE1 accepts it
  ];
  for (const [pressure, byte] of cases) {
    it(`${pressure} bar → 0x${byte}`, () => expect(frameOf(pressureStep({ pressure })).split(" ")[2]).toBe(byte));
  }
  it("flow pump takes `flow`", () => expect(frameOf(flowStep({ flow: "1.09375" })).split(" ")[2]).toBe("12"));
  it("exit value is the trigger", () => {
    const step = pressureStep({ exit: { type: "pressure", condition: "over", value: 1.03125 } });
    expect(frameOf(step).split(" ").slice(1, 6).join(" ")).toBe("46 90 ba 32 10");
  });
});

describe("U8P1 temperature and U10P0 volume", () => {
  const temps: [string, string][] = [
    ["93", "ba"],
    ["92.25", "b8"], // 184.5 → 184
    ["92.75", "ba"], // 185.5 → 186
    ["127.5", "ff"],
  ];
  for (const [temperature, byte] of temps) {
    it(`${temperature} °C → 0x${byte}`, () => expect(frameOf(pressureStep({ temperature })).split(" ")[3]).toBe(byte));
  }
  const volumes: [string, string][] = [
    ["36.5", "00 24"], // tie to even: 36
    ["37.5", "00 26"], // tie to even: 38
    ["500", "01 f4"],
    ["1023", "03 ff"],
  ];
  for (const [volume, bytes] of volumes) {
    it(`${volume} ml → ${bytes}`, () => expect(frameOf(pressureStep({ volume })).slice(-5)).toBe(bytes));
  }
});

describe("tail and header from the top-level fields", () => {
  const tails: [string, string][] = [
    ["36", "24 80"],
    ["1023", "ff 83"],
    ["1030", "06 80"], // pyDE1 masks to 10 bits
    ["0.5", "00 80"], // tie to even
    ["2.5", "02 80"],
  ];
  for (const [target_volume, bytes] of tails) {
    it(`target_volume ${target_volume} → tail ${bytes}`, () => {
      expect(writes([pressureStep()], { target_volume }).at(-1)).toBe(`01 ${bytes} 00 00 00 00 00`);
    });
  }
  it("target_volume_count_start is rounded half to even", () => {
    const three = [pressureStep(), pressureStep(), pressureStep()];
    expect(writes(three, { target_volume_count_start: "2.5" })[0]).toBe("01 03 02 00 a0");
    expect(writes(three, { target_volume_count_start: 3 })[0]).toBe("01 03 03 00 a0");
  });
});

describe("limiter threshold (pyDE1: round(value, 2) > 0)", () => {
  it("0.004 writes no extension frame", () => {
    expect(writes([pressureStep({ limiter: { value: "0.004", range: "0.6" } })]).length).toBe(3);
  });
  it("0.005 writes one (its value encodes as 0)", () => {
    expect(writes([pressureStep({ limiter: { value: "0.005", range: "0.6" } })])[2]).toBe("20 00 0a 00 00 00 00 00");
  });
  it("a zero limiter needs no range", () => {
    expect(writes([pressureStep({ limiter: { value: "0" } })]).length).toBe(3);
  });
});

describe("formatting does not change the program", () => {
  it("numbers as JSON numbers, other spacing and key order: same fingerprint, other id", async () => {
    const a = profileObject([pressureStep({ volume: "100" })], { target_volume: "36" });
    const steps = [{ seconds: 5, volume: 100, pressure: 9, flow: 0, temperature: 93, sensor: "coffee", transition: "fast", pump: "pressure" }];
    const b = { target_volume_count_start: 0, target_volume: 36, steps, version: 2 };
    const ra = await readProfile(profileBytes(a));
    const rb = await readProfile(new TextEncoder().encode(JSON.stringify(b)));
    expect(rb.fingerprint).toBe(ra.fingerprint);
    expect(rb.id).not.toBe(ra.id);
    expect(rb.title).toBeNull();
  });
  it('"2.1" is a version 2 profile', async () => {
    const r = await readProfile(profileBytes(profileObject([pressureStep()], { version: "2.1" })));
    expect(r.profile.version).toBe("2.1");
  });
  it('an empty "flow" on a pressure step is ignored', async () => {
    const r = await readProfile(profileBytes(profileObject([pressureStep({ flow: "" })])));
    expect(r.profile.steps[0]!.flow).toBeNull();
  });
  it("a UTF-8 byte-order mark is skipped; the id still covers it", async () => {
    const plain = profileBytes(profileObject([pressureStep()]));
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...plain]);
    const [a, b] = [await readProfile(plain), await readProfile(withBom)];
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(b.id).not.toBe(a.id);
  });
});
