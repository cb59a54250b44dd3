/** Building small JSON v2 profiles for tests, in de1app's style (numbers as strings). */

/** A JSON-able step or profile object. */
export type Obj = Record<string, unknown>;

/** A pressure step: 9 bar, 93 °C on the basket, 5 s, no volume limit, de1app's empty `flow`. */
export function pressureStep(over: Obj = {}): Obj {
  return {
    name: "hold",
    pump: "pressure",
    transition: "fast",
    temperature: "93.0",
    sensor: "coffee",
    seconds: "5.0",
    volume: "0",
    weight: "0.0",
    pressure: "9.0",
    flow: "",
    ...over,
  };
}

/** A flow step: 2.5 ml/s, 93 °C on the basket, 5 s, no volume limit. */
export function flowStep(over: Obj = {}): Obj {
  return { ...pressureStep(), name: "pour", pump: "flow", flow: "2.5", pressure: "3.0", ...over };
}

/** A profile around the given steps; no preinfusion frames, no total volume limit. */
export function profileObject(steps: Obj[], over: Obj = {}): Obj {
  return {
    version: "2",
    title: "Test profile",
    author: "test",
    notes: "",
    beverage_type: "espresso",
    steps,
    tank_temperature: "0",
    target_weight: "36",
    target_volume: "0",
    target_volume_count_start: "0",
    ...over,
  };
}

/** The UTF-8 bytes of a profile object written as indented JSON. */
export function profileBytes(profile: Obj): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(profile, null, 2));
}

/** Bytes from a hex string with optional spaces ("01 00 a0"). */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** A byte array as spaced lowercase hex, for readable failures. */
export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}
