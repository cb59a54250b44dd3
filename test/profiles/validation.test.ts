/**
 * Every kind of unusable profile is refused with a ProfileValidationError that names the step
 * (index and name) and the field, and addProfile then leaves the database exactly as it was.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs, { type Database } from "sql.js";
import { beforeAll, describe, expect, it } from "vitest";
import { addProfile, ProfileValidationError, readProfile } from "../../src/profiles";
import { FIXTURES } from "../support/paths";
import { flowStep, pressureStep, profileBytes, profileObject, type Obj } from "./build";

let SQL: Awaited<ReturnType<typeof initSqlJs>>;
beforeAll(async () => {
  SQL = await initSqlJs();
});

function openShippedSchema(): Database {
  return new SQL.Database(readFileSync(join(FIXTURES, "schemas/pyde1-schema-003-as-shipped.sqlite3")));
}

function dump(db: Database): string {
  return JSON.stringify([db.exec("SELECT * FROM profile ORDER BY id"), db.exec("SELECT * FROM persist_hkv ORDER BY header, key")]);
}

/** Adds the bytes, expects a ProfileValidationError, checks nothing was stored, returns the error. */
async function refused(bytes: Uint8Array): Promise<ProfileValidationError> {
  const db = openShippedSchema();
  const before = dump(db);
  let error: unknown;
  try {
    await addProfile(db, bytes, 1700000000.5);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ProfileValidationError);
  expect(dump(db)).toBe(before);
  db.close();
  return error as ProfileValidationError;
}

const two = (second: Obj, over: Obj = {}) => profileBytes(profileObject([pressureStep(), second], over));

describe("malformed JSON", () => {
  it("names line and column and shows the text around the error", async () => {
    const text = '{\n  "version": "2",\n  "title": "x"\n  "steps": []\n}';
    const e = await refused(new TextEncoder().encode(text));
    expect([e.line, e.column]).toEqual([4, 3]);
    expect(e.message).toContain("line 4, column 3");
    expect(e.snippet).toContain('"x"\\n  ➧"steps"');
    expect(e.message).toContain("not valid JSON");
  });
  it("a truncated file", async () => {
    const e = await refused(new TextEncoder().encode('{"version": "2", "steps": ['));
    expect(e.line).toBe(1);
    expect(e.column).toBe(28);
  });
  it("bytes that are not UTF-8", async () => {
    const e = await refused(new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(e.message).toContain("UTF-8");
  });
  it("a JSON array is not a profile", async () => {
    await refused(new TextEncoder().encode("[]"));
  });
});

describe("version", () => {
  for (const version of ["3", "1.0", "v2", "", 3, 2.5, null]) {
    it(`refuses ${JSON.stringify(version)}`, async () => {
      const e = await refused(profileBytes(profileObject([pressureStep()], { version })));
      expect(e.field).toBe("version");
      expect(e.message).toContain('"version": "2"');
    });
  }
  it("refuses a profile without one", async () => {
    const p = profileObject([pressureStep()]);
    delete p["version"];
    const e = await refused(profileBytes(p));
    expect(e.field).toBe("version");
    expect(e.message).toContain("missing");
  });
});

describe("unknown values name the step and field", () => {
  const cases: [string, Obj, string][] = [
    ["pump", pressureStep({ name: "Fill", pump: "volume" }), "pump"],
    ["sensor", pressureStep({ name: "Fill", sensor: "group" }), "sensor"],
    ["transition", pressureStep({ name: "Fill", transition: "slow" }), "transition"],
    ["exit type", pressureStep({ name: "Fill", exit: { type: "weight", condition: "over", value: "1" } }), "exit.type"],
    ["exit condition", pressureStep({ name: "Fill", exit: { type: "flow", condition: "above", value: "1" } }), "exit.condition"],
  ];
  for (const [what, step, field] of cases) {
    it(what, async () => {
      const e = await refused(two(step));
      expect([e.step, e.stepName, e.field]).toEqual([1, "Fill", field]);
      expect(e.message).toContain('step 2 of the profile (index 1, "Fill")');
      expect(e.message).toContain(`field "${field}"`);
      expect(e.message).toContain("must be one of");
    });
  }
});

describe("step count", () => {
  it("more than 20 steps", async () => {
    const e = await refused(profileBytes(profileObject(Array.from({ length: 21 }, () => pressureStep()))));
    expect(e.field).toBe("steps");
    expect(e.message).toContain("21 steps");
    expect(e.message).toContain("at most 20");
  });
  it("no steps", async () => {
    expect((await refused(profileBytes(profileObject([])))).field).toBe("steps");
  });
});

describe("missing required fields", () => {
  for (const field of ["pump", "sensor", "transition", "temperature", "seconds", "volume", "pressure"]) {
    it(`step ${field}`, async () => {
      const step = pressureStep({ name: "Hold" });
      delete step[field];
      const e = await refused(two(step));
      expect([e.step, e.stepName, e.field]).toEqual([1, "Hold", field]);
      expect(e.message).toContain("missing");
    });
  }
  it("flow on a flow step", async () => {
    const step = flowStep();
    delete step["flow"];
    expect((await refused(two(step))).field).toBe("flow");
  });
  it("exit value", async () => {
    const e = await refused(two(pressureStep({ exit: { type: "flow", condition: "over" } })));
    expect(e.field).toBe("exit.value");
  });
  it("limiter range when the limiter is set", async () => {
    const e = await refused(two(pressureStep({ limiter: { value: "2" } })));
    expect(e.field).toBe("limiter.range");
  });
  for (const field of ["steps", "target_volume", "target_volume_count_start"]) {
    it(field, async () => {
      const p = profileObject([pressureStep()]);
      delete p[field];
      const e = await refused(profileBytes(p));
      expect([e.step, e.field]).toEqual([undefined, field]);
    });
  }
});

describe("values that are not numbers, or do not fit the DE1", () => {
  const cases: [string, Obj, string, string][] = [
    ['empty "flow" on a flow step', flowStep({ flow: "" }), "flow", "empty"],
    ["text temperature", pressureStep({ temperature: "hot" }), "temperature", "not a number"],
    ["null seconds", pressureStep({ seconds: null }), "seconds", "null"],
    ["temperature above 127.5 °C", pressureStep({ temperature: "128" }), "temperature", "U8P1"],
    ["pressure above 15.9375 bar", pressureStep({ pressure: "16" }), "pressure", "U8P4"],
    ["negative pressure", pressureStep({ pressure: "-0.04" }), "pressure", "U8P4"],
    ["a step of 127.5 s", pressureStep({ seconds: "127.5" }), "seconds", "F8_1_7"],
    ["a negative step length", pressureStep({ seconds: "-0.1" }), "seconds", "F8_1_7"],
    ["volume above 1023 ml", pressureStep({ volume: "1023.5" }), "volume", "U10P0"],
    ["exit value above 15.9375", pressureStep({ exit: { type: "flow", condition: "over", value: "20" } }), "exit.value", "U8P4"],
    ["limiter above 15.9375", pressureStep({ limiter: { value: "16", range: "0.6" } }), "limiter.value", "U8P4"],
    ["infinite seconds", pressureStep({ seconds: "inf" }), "seconds", "F8_1_7"],
  ];
  for (const [what, step, field, says] of cases) {
    it(what, async () => {
      const e = await refused(two({ ...step, name: "Pour" }));
      expect([e.step, e.stepName, e.field]).toEqual([1, "Pour", field]);
      expect(e.message).toContain(says);
    });
  }
  it("more preinfusion frames than steps", async () => {
    const e = await refused(profileBytes(profileObject([pressureStep()], { target_volume_count_start: "2" })));
    expect(e.field).toBe("target_volume_count_start");
  });
  it("a step without a name is named by its index only", async () => {
    const step = pressureStep({ pump: "steam" });
    delete step["name"];
    const e = await refused(two(step));
    expect(e.message).toContain("step 2 of the profile (index 1)");
  });
  it("readProfile throws the same error without a database", async () => {
    await expect(readProfile(two(pressureStep({ pump: "steam" })))).rejects.toBeInstanceOf(ProfileValidationError);
  });
});
