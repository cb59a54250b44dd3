/**
 * How sql.js's WebAssembly is compiled (src/store/persist/sqljs-node.ts): the live recorder by V8's
 * optimizing compiler (TurboFan) from each function's first call, a command that ends by the quick
 * baseline compiler (Liftoff). Seen through V8's own line for each function it compiles
 * (`--trace-wasm-compilation-times`, on stdout).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { connectAsync } from "mqtt";
import { Mosquitto } from "../support/mosquitto";
import { CliProcess } from "../support/recorder-process";
import { scratch, SHOTS_RECORDING } from "../support/paths";
import { sqlite3 } from "../support/cli";
import { readRecording } from "../recorder/expected";

const TRACE = ["--trace-wasm-compilation-times"];
const rec = readRecording(SHOTS_RECORDING);

/** How many functions V8 compiled with each compiler, from its trace. */
function compiles(stdout: string): { liftoff: number; turbofan: number } {
  return { liftoff: stdout.match(/using Liftoff/g)?.length ?? 0, turbofan: stdout.match(/using TurboFan/g)?.length ?? 0 };
}

let broker: Mosquitto;
beforeAll(async () => {
  broker = await Mosquitto.start();
});
afterAll(async () => {
  await broker?.stop();
});

describe("sql.js's compiled code", () => {
  it("live recording: every function by the optimizing compiler, none by the baseline one", async () => {
    const db = join(scratch(), "live.sqlite3");
    const p = new CliProcess(["record", "--db", db, "--broker", broker.url, "--verbose"], {}, TRACE);
    try {
      await p.waitFor(/mqtt: connected to /);
      // the write paths were compiled before the feed was connected (src/store/warm-up.ts)
      expect(p.stderr.indexOf("write paths compiled in")).toBeGreaterThan(-1);
      expect(p.stderr.indexOf("write paths compiled in")).toBeLessThan(p.stderr.indexOf("mqtt: connected to "));
      const pub = await connectAsync(broker.url);
      for (const line of rec.capture.toString("utf8").split("\n")) {
        const e = line ? JSON.parse(line) : {};
        if (e.topic) await pub.publishAsync(e.topic, e.payload, { qos: 1 });
      }
      await pub.endAsync();
      await p.waitFor(/recorder: sequence .* opened/, 20_000, Object.keys(rec.manifest.sequences).length);
    } finally {
      expect(await p.signal("SIGTERM")).toBe(0);
    }
    // it did record (the inserts ran on that code)
    expect(Number(sqlite3(db, "SELECT count(*) FROM shot_sample_with_volume_update"))).toBeGreaterThan(100);
    const { liftoff, turbofan } = compiles(p.stdout);
    expect(liftoff).toBe(0);
    expect(turbofan).toBeGreaterThan(100);
  });

  it("a command that ends (record --from-capture): by the baseline compiler, next to nothing optimized", async () => {
    const db = join(scratch(), "capture.sqlite3");
    const p = new CliProcess(["record", "--db", db, "--from-capture", join(rec.dir, "capture.ndjson")], {}, TRACE);
    expect(await p.exited, p.stderr).toBe(0);
    expect(Number(sqlite3(db, "SELECT count(*) FROM shot_sample_with_volume_update"))).toBeGreaterThan(100);
    const { liftoff, turbofan } = compiles(p.stdout);
    expect(liftoff).toBeGreaterThan(100);
    expect(turbofan).toBeLessThan(10);
  });
});
