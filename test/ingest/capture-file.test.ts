import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { captureFileEvents } from "../../src/ingest/capture-file";
import { readCapture } from "../../src/ingest/capture";
import { FIXTURES, RECORDINGS, scratch } from "../support/paths";

describe("captureFileEvents", () => {
  for (const name of RECORDINGS) {
    it(`${name}: read in small pieces, gives the same events as the whole file`, () => {
      const path = join(FIXTURES, "recordings", name, "capture.ndjson");
      const whole = [...readCapture(readFileSync(path))];
      const pieces = [...captureFileEvents(path, 777)];
      expect(pieces.length).toBe(whole.length);
      expect(pieces).toEqual(whole);
    });
  }

  it("keeps a non-UTF-8 mosquitto_sub line and a final line without a newline", () => {
    const path = join(scratch(), "c.txt");
    const bad = Buffer.concat([Buffer.from("pyDE1/X "), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]);
    writeFileSync(path, Buffer.concat([bad, Buffer.from('pyDE1/Y {"arrival_time": 5}')]));
    const events = [...captureFileEvents(path, 4)];
    expect(events.map((e) => (e.kind === "message" ? e.topic : ""))).toEqual(["pyDE1/X", "pyDE1/Y"]);
    expect(events[1].time).toBe(5);
  });
});
