import { describe, expect, it } from "vitest";
import { floatRepr, formatFixed, formatInt, roundHalfEven } from "../../src/export/python-format";
import { pythonJson, pythonJsonString } from "../../src/export/python-json";

describe("formatFixed (Python '{:.Nf}')", () => {
  it("rounds exact binary ties to even", () => {
    expect(formatFixed(0.125, 2)).toBe("0.12"); // toFixed gives 0.13
    expect(formatFixed(0.375, 2)).toBe("0.38");
    expect(formatFixed(0.5, 0)).toBe("0");
    expect(formatFixed(1.5, 0)).toBe("2");
    expect(formatFixed(2.5, 0)).toBe("2");
    expect(formatFixed(0.0625, 3)).toBe("0.062");
    expect(formatFixed(8.0625, 3)).toBe("8.062");
  });
  it("rounds the exact value of the double, not its shortest spelling", () => {
    expect(formatFixed(2.675, 2)).toBe("2.67"); // 2.67499999999999982236431605997495353221893310546875
    expect(formatFixed(1.005, 2)).toBe("1.00");
    expect(formatFixed(0.145, 2)).toBe("0.14");
    expect(formatFixed(1.115, 2)).toBe("1.11");
  });
  it("pads, keeps the sign of negative values, and spells specials like Python", () => {
    expect(formatFixed(0, 2)).toBe("0.00");
    expect(formatFixed(-0, 2)).toBe("-0.00");
    expect(formatFixed(-0.001, 2)).toBe("-0.00");
    expect(formatFixed(-1.25, 1)).toBe("-1.2");
    expect(formatFixed(37.4, 1)).toBe("37.4");
    expect(formatFixed(42, 1)).toBe("42.0");
    expect(formatFixed(1e22, 2)).toBe("10000000000000000000000.00");
    expect(formatFixed(5e-324, 3)).toBe("0.000");
    expect(formatFixed(123.456, 0)).toBe("123");
    expect(formatFixed(NaN, 2)).toBe("nan");
    expect(formatFixed(Infinity, 2)).toBe("inf");
    expect(formatFixed(-Infinity, 2)).toBe("-inf");
  });
});

describe("roundHalfEven (Python round())", () => {
  it("rounds halves to even and everything else to nearest", () => {
    expect(roundHalfEven(0.5)).toBe(0);
    expect(roundHalfEven(1.5)).toBe(2);
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(-2.5)).toBe(-2);
    expect(roundHalfEven(1700700118.31039)).toBe(1700700118);
    expect(roundHalfEven(1668183434.6)).toBe(1668183435);
  });
});

describe("formatInt", () => {
  it("writes integers without a decimal point", () => {
    expect(formatInt(3)).toBe("3");
    expect(formatInt(-0)).toBe("0");
    expect(formatInt(2 ** 60)).toBe("1152921504606846976");
    expect(formatInt(12n)).toBe("12");
    expect(() => formatInt(1.5)).toThrow(RangeError);
  });
});

describe("floatRepr (Python repr(float))", () => {
  it("keeps .0 on integral values", () => {
    expect(floatRepr(0)).toBe("0.0");
    expect(floatRepr(-0)).toBe("-0.0");
    expect(floatRepr(1)).toBe("1.0");
    expect(floatRepr(-42)).toBe("-42.0");
    expect(floatRepr(1e15)).toBe("1000000000000000.0");
    expect(floatRepr(9999999999999998)).toBe("9999999999999998.0");
  });
  it("uses exponent notation below 1e-4 and from 1e16, with two exponent digits at least", () => {
    expect(floatRepr(1e-5)).toBe("1e-05");
    expect(floatRepr(1.5e-5)).toBe("1.5e-05");
    expect(floatRepr(0.0001)).toBe("0.0001");
    expect(floatRepr(0.00012)).toBe("0.00012");
    expect(floatRepr(1e16)).toBe("1e+16");
    expect(floatRepr(1.2345e16)).toBe("1.2345e+16");
    expect(floatRepr(1e100)).toBe("1e+100");
    expect(floatRepr(-2.5e-7)).toBe("-2.5e-07");
    expect(floatRepr(5e-324)).toBe("5e-324");
    expect(floatRepr(1.7976931348623157e308)).toBe("1.7976931348623157e+308");
  });
  it("gives the shortest round-trip digits", () => {
    expect(floatRepr(0.1)).toBe("0.1");
    expect(floatRepr(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(floatRepr(1700700003.056021)).toBe("1700700003.056021");
    expect(floatRepr(1652892100.6737006)).toBe("1652892100.6737006");
    expect(floatRepr(11.829427083333334)).toBe("11.829427083333334");
    expect(floatRepr(123.456)).toBe("123.456");
  });
  it("spells specials like Python", () => {
    expect(floatRepr(NaN)).toBe("nan");
    expect(floatRepr(Infinity)).toBe("inf");
    expect(floatRepr(-Infinity)).toBe("-inf");
  });
});

describe("pythonJson (json.dumps)", () => {
  it("escapes non-ASCII with lowercase \\u escapes and astral characters as surrogate pairs", () => {
    expect(pythonJsonString("Gagné")).toBe('"Gagn\\u00e9"');
    expect(pythonJsonString("☕")).toBe('"\\u2615"');
    expect(pythonJsonString("😀")).toBe('"\\ud83d\\ude00"');
    expect(pythonJsonString('a"b\\c\n\r\t\b\f\u0001\u007f/')).toBe('"a\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u007f/"');
  });
  it("writes floats as Python does and ints from bigint", () => {
    expect(pythonJson([1, 1e-5, 0.5, 3n, NaN, Infinity, -Infinity, null, true, false])).toBe(
      "[1.0, 1e-05, 0.5, 3, NaN, Infinity, -Infinity, null, true, false]",
    );
  });
  it("uses ', ' and ': ' without indent, ',' + newline with indent", () => {
    expect(pythonJson({ a: 1, b: [1n, "x"], c: {}, d: [] })).toBe('{"a": 1.0, "b": [1, "x"], "c": {}, "d": []}');
    expect(pythonJson({ a: 1, b: [1n, { c: null }], e: {} }, { indent: 2 })).toBe(
      '{\n  "a": 1.0,\n  "b": [\n    1,\n    {\n      "c": null\n    }\n  ],\n  "e": {}\n}',
    );
  });
});
