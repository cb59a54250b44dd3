/**
 * Our Python-compatible formatting against Python itself (the machine's python3), on many values:
 * the numbers a shot file holds (DE1 fixed-point readings, their exact binary ties, differences of
 * epoch times, resistances, random doubles of every size), strings with every kind of character,
 * and `local_time` around daylight-saving changes in several zones. The hand-picked cases in
 * python-format.test.ts and local-time.test.ts say why; this says it holds beyond them.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { floatRepr, formatFixed, formatInt, roundHalfEven } from "../../src/export/python-format";
import { pythonJson, pythonJsonString } from "../../src/export/python-json";
import { rfc2822Local } from "../../src/export/local-time";
import { prng } from "../../scripts/bench/synthetic-capture";

/** Runs a Python program with `input` on its standard input; its standard output's lines. */
function python(program: string, input: string, env: NodeJS.ProcessEnv = {}): string[] {
  const r = spawnSync("python3", ["-c", program], { input, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return r.stdout.trimEnd().split("\n");
}

/** A double's 8 bytes as hex (big-endian), so Python reads back the very same value. */
function bitsOf(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  let hex = "";
  for (let i = 0; i < 8; i++) hex += view.getUint8(i).toString(16).padStart(2, "0");
  return hex;
}

/** The values a shot file formats, and doubles of every size and sign around them. */
function shotLikeNumbers(): number[] {
  const next = prng(20261129);
  const out: number[] = [0, -0, 0.5, 1.5, 2.5, 0.125, 0.375, 0.0625, 1e-4, 9.999999999999999e-5, 1e16, 9999999999999998, 1e22, 5e-324];
  const pick = (n: number) => Math.floor(next() * n);
  // around 2^30 · 10^-digits, where formatFixed leaves its integer path for toFixed
  for (const digits of [1, 2, 3]) {
    for (const near of [2 ** 30 - 1, 2 ** 30 - 0.5, 2 ** 30, 2 ** 30 + 1]) {
      const x = near / 10 ** digits;
      out.push(x, -x, x * (1 + Number.EPSILON), x * (1 - Number.EPSILON));
    }
  }
  for (let i = 0; i < 4000; i++) {
    // DE1 readings are binary fixed point (U8P4, U16P8, U8P1 …): exact ties at 2 and 3 decimals occur
    const bits = [1, 4, 8, 12, 16][pick(5)];
    out.push(pick(1 << 20) / 2 ** bits, -pick(1 << 16) / 2 ** bits);
    // volumes / 10, set points, and values one ulp around a decimal tie
    const tie = (pick(200000) + 0.5) / 1000;
    out.push(pick(500000) / 7 / 10, tie, tie * (1 + Number.EPSILON), tie * (1 - Number.EPSILON));
    // espresso_elapsed: de1_time − start_flow, both epoch seconds with a fraction
    const start = 1.6e9 + next() * 2e8;
    out.push(start + next() * 90 - start, start);
    // resistance P / max(F, 0.0001)²
    const f = Math.max(next() * 8, 0.0001);
    out.push((next() * 12) / (f * f));
    // any double: random sign, exponent and mantissa
    const e = pick(80) - 40;
    out.push((next() < 0.5 ? -1 : 1) * (1 + next()) * 2 ** e * 10 ** (pick(7) - 3));
  }
  return out;
}

describe("number formatting, against python3", () => {
  const numbers = shotLikeNumbers();
  const program = `
import struct, sys
for line in sys.stdin:
    x = struct.unpack('>d', bytes.fromhex(line.strip()))[0]
    print(repr(x), '{:.1f}'.format(x), '{:.2f}'.format(x), '{:.3f}'.format(x), round(x), sep='|')
`;
  const lines = python(program, numbers.map(bitsOf).join("\n") + "\n");

  it("gives Python's repr, '{:.1f}', '{:.2f}', '{:.3f}' and round() for every value", () => {
    expect(lines.length).toBe(numbers.length);
    const differing: string[] = [];
    numbers.forEach((x, i) => {
      const ours = [floatRepr(x), formatFixed(x, 1), formatFixed(x, 2), formatFixed(x, 3), formatInt(roundHalfEven(x))].join("|");
      if (ours !== lines[i]) differing.push(`${bitsOf(x)}: ours ${ours}, Python ${lines[i]}`);
    });
    expect(differing.slice(0, 10)).toEqual([]);
    expect(numbers.length).toBeGreaterThan(30000);
  });
});

describe("json.dumps, against python3", () => {
  const next = prng(7);
  const pool = ["a", "Z", " ", '"', "\\", "/", "\n", "\r", "\t", "\b", "\f", "\u0000", "\u001f", "\u007f", "é", "ß", "€", "☕", "\u2028", "\ud83d\ude00", "\ud83d", "\ude00", "ℹ️"];
  const strings = Array.from({ length: 2000 }, () => Array.from({ length: Math.floor(next() * 12) }, () => pool[Math.floor(next() * pool.length)]).join(""));

  it("writes every string as json.dumps does (ensure_ascii, surrogates and controls escaped)", () => {
    // the strings go to Python as JSON text; Python's own reading keeps lone surrogates as they are
    const lines = python(`
import json, sys
for line in sys.stdin:
    print(json.dumps(json.loads(line)))
`, strings.map((s) => JSON.stringify(s)).join("\n") + "\n");
    expect(lines.length).toBe(strings.length);
    const differing = strings.map((s, i) => [pythonJsonString(s), lines[i]]).filter(([a, b]) => a !== b);
    expect(differing.slice(0, 10)).toEqual([]);
  });

  it("writes a profile row as json.dumps(..., indent=2) does, floats and NULLs included", () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({
      id: strings[i],
      source_format: i % 3 === 0 ? null : "JSONv2",
      fingerprint: strings[i + 200],
      date_added: i % 5 === 0 ? null : 1.6e9 + next() * 2e8,
      title: strings[i + 400],
      author: i % 7 === 0 ? null : strings[i + 600],
      notes: strings[i + 800],
      beverage_type: ["espresso", "pourover", "tea", null][i % 4],
    }));
    const lines = python(`
import json, struct, sys
for line in sys.stdin:
    row, bits = json.loads(line)
    if bits is not None:
        row['date_added'] = struct.unpack('>d', bytes.fromhex(bits))[0]
    print(json.dumps(json.dumps(row, indent=2)))
`, rows.map((r) => JSON.stringify([r, r.date_added === null ? null : bitsOf(r.date_added)])).join("\n") + "\n");
    const differing = rows.map((r, i) => [pythonJson(r, { indent: 2 }), JSON.parse(lines[i]) as string]).filter(([a, b]) => a !== b);
    expect(differing.slice(0, 5)).toEqual([]);
  });
});

describe("local_time, against python3", () => {
  // pyDE1: email.utils.format_datetime(datetime.fromtimestamp(t).astimezone())
  const zones = ["UTC", "America/Los_Angeles", "America/New_York", "Europe/Berlin", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Auckland", "America/Sao_Paulo"];
  const next = prng(11);
  const times: number[] = [];
  for (let i = 0; i < 300; i++) times.push(1.45e9 + next() * 3.3e8); // 2015–2025
  // every third hour of 2019–2024, on the hour (offsets change on the hour or half hour in these
  // zones) and just before the next second, so each change of offset is met on both sides
  for (let t = 1546300800; t < 1735689600; t += 3 * 3600) times.push(t, t + 1799.9999996);
  const program = `
import email.utils, sys
from datetime import datetime
for line in sys.stdin:
    print(email.utils.format_datetime(datetime.fromtimestamp(float(line)).astimezone()))
`;

  it.each(zones)("writes what Python writes in %s", (zone) => {
    const lines = python(program, times.map((t) => t.toString()).join("\n") + "\n", { TZ: zone });
    const before = process.env.TZ;
    process.env.TZ = zone;
    try {
      const differing = times.map((t, i) => [t, rfc2822Local(t), lines[i]]).filter(([, a, b]) => a !== b);
      expect(differing.slice(0, 5)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });
});
