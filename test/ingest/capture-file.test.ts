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

  it("reads any mix of lines the same in pieces of any size: BOM, CRLF, blank lines, non-ASCII text, bytes that are not UTF-8, a line longer than a piece", () => {
    const long = JSON.stringify({ arrival_time: 7, class: "X", note: "n".repeat(5000) });
    const parts = [
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('{"topic": "pyDE1/A", "payload": "{\\"arrival_time\\": 1}"}\r\n\n'),
      Buffer.from('{"resource": "de1/id", "body": "{\\"name\\": \\"Caf\u00e9 \u2615\\"}"}\n'),
      Buffer.from("pyDE1/B "),
      Buffer.from([0x7b, 0xff, 0x7d]),
      Buffer.from("\r\n"),
      Buffer.from(`pyDE1/C ${long}\n`),
      Buffer.from('pyDE1/D {"arrival_time": 9, "who": "J\u00fcrgen"}'),
    ];
    const bytes = Buffer.concat(parts);
    const path = join(scratch(), "mixed.txt");
    writeFileSync(path, bytes);
    const whole = [...readCapture(bytes)];
    expect(whole.map((e) => (e.kind === "message" ? `${e.topic}@${e.time}` : `${e.path}@${e.time}`))).toEqual([
      "pyDE1/A@1",
      "de1/id@1",
      "pyDE1/B@1",
      "pyDE1/C@7",
      "pyDE1/D@9",
    ]);
    for (const size of [1, 2, 3, 5, 64, 777, 4096, 1 << 20]) expect([...captureFileEvents(path, size)]).toEqual(whole);
    const text = [...captureFileEvents(path)].find((e) => e.kind === "resource");
    expect(text?.kind === "resource" && text.body).toBe('{"name": "Caf\u00e9 \u2615"}');
    const binary = whole[2];
    expect(binary.kind === "message" && [...(binary.payload as Uint8Array)]).toEqual([0x7b, 0xff, 0x7d]);
  });
});
