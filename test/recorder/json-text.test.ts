import { describe, expect, it } from "vitest";
import { memberText, memberTexts, textAt } from "../../src/recorder/json-text";

describe("member texts", () => {
  it("gives a value's text exactly as received", () => {
    const text = '{"a": 1, "volume_by_frames": [0, 11.829427083333334, 1e-05, 0.0], "s": "x]}\\"{", "o": {"k": [1, {"z": "}"}]}}';
    expect(memberText(text, "volume_by_frames")).toBe("[0, 11.829427083333334, 1e-05, 0.0]");
    expect(memberText(text, "s")).toBe('"x]}\\"{"');
    expect(memberText(text, "o")).toBe('{"k": [1, {"z": "}"}]}');
    expect(textAt(text, ["o", "k"])).toBe('[1, {"z": "}"}]');
    expect(memberText(text, "a")).toBe("1");
    expect(JSON.stringify(JSON.parse(memberText(text, "volume_by_frames")!))).not.toBe("[0, 11.829427083333334, 1e-05, 0.0]");
  });

  it("handles whitespace, escaped keys, empty containers and repeated keys like JSON.parse", () => {
    const text = ' {\n "a\\u0062" :\t[ ] , "e": {}, "d": 1, "d": -2.5E+3 }\n';
    expect([...memberTexts(text)!]).toEqual([["ab", "[ ]"], ["e", "{}"], ["d", "-2.5E+3"]]);
  });

  it("answers undefined for what is not an object", () => {
    expect(memberTexts("[1, 2]")).toBeUndefined();
    expect(memberTexts('"x"')).toBeUndefined();
    expect(memberText('{"a": 1}', "b")).toBeUndefined();
  });
});
