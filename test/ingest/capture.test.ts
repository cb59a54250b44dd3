import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { captureLine, readCapture } from "../../src/ingest/capture";
import { CaptureFile } from "../../src/ingest/capture-file";
import { recordCapture } from "../../src/ingest/run-capture";
import { expectMatches, prepareStore, readRecording } from "../recorder/expected";
import { RECORDINGS, scratch, NO_PROFILE_RECORDING, SHOTS_RECORDING } from "../support/paths";

describe("recordCapture", () => {
  for (const name of RECORDINGS) {
    it(`${name}: the fixture's capture gives pyDE1's database`, async () => {
      const rec = readRecording(name);
      const store = await prepareStore(rec);
      const ended: string[] = [];
      const result = await recordCapture(store, rec.capture, { onSequenceEnd: (s, why) => ended.push(`${s.id} ${why}`) });
      expectMatches(store, rec);
      expect(ended).toEqual(Object.keys(rec.manifest.sequences).map((id) => `${id} complete`));
      expect(result.events).toBe(rec.capture.toString("utf8").trim().split("\n").length);
      store.close();
    });
  }

  it("paces the feed with rate (events a second)", async () => {
    const rec = readRecording(NO_PROFILE_RECORDING);
    const lines = rec.capture.toString("utf8").split("\n").slice(0, 40).join("\n");
    const store = await prepareStore(rec);
    const t0 = performance.now();
    const result = await recordCapture(store, lines, { rate: 200 });
    const ms = performance.now() - t0;
    expect(result.events).toBe(40);
    expect(ms).toBeGreaterThan(150);
    expect(ms).toBeLessThan(2000);
    store.close();
  });
});

describe("capture formats", () => {
  it("reads mosquitto_sub -v text (mixed with NDJSON answers), keeping bytes that are not UTF-8", async () => {
    const rec = readRecording(SHOTS_RECORDING);
    const parts: Buffer[] = [];
    for (const e of readCapture(rec.capture)) {
      if (e.kind === "message") parts.push(Buffer.from(`${e.topic} ${e.payload as string}\n`, "utf8"));
      else parts.push(Buffer.from(captureLine(e) + "\n", "utf8"));
      if (parts.length === 50) parts.push(Buffer.concat([Buffer.from("pyDE1/StateUpdate "), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]));
    }
    const text = Buffer.concat(parts);
    const events = [...readCapture(text)];
    const bad = events.find((e) => e.kind === "message" && typeof e.payload !== "string");
    expect(bad && bad.kind === "message" && [...(bad.payload as Uint8Array)]).toEqual([0x7b, 0xff, 0x7d]);
    expect(bad!.time).toBe(events[events.indexOf(bad!) - 1].time); // the clock stays where it was
    const store = await prepareStore(rec);
    const result = await recordCapture(store, text);
    expect(result.stats.rejected).toEqual({ "not-utf8": 1 });
    expectMatches(store, rec);
    store.close();
  });

  it("writes captures that read back as the same events", async () => {
    const rec = readRecording(NO_PROFILE_RECORDING);
    const events = [...readCapture(rec.capture)];
    const extra = [
      { kind: "message" as const, topic: "pyDE1/StateUpdate", payload: new Uint8Array([0xc3, 0x28, 0x41]), time: events.at(-1)!.time },
      { kind: "resource" as const, path: "scale/id", body: "null", time: events.at(-1)!.time, sequenceId: "s-1" },
    ];
    const path = join(scratch(), "out.ndjson");
    const file = new CaptureFile(path);
    for (const e of [...events, ...extra]) file.append(e);
    await file.close();
    const written = readFileSync(path);
    // the fixture's own lines are written byte for byte as the fixture has them
    expect(written.toString("utf8").startsWith(rec.capture.toString("utf8").trimEnd())).toBe(true);
    expect([...readCapture(written)]).toEqual([...events, ...extra]);
  });
});
