/**
 * Pull the plug: 20 SIGKILLs of the real `record` process (half at random moments, half the
 * instant a save begins) through a real mosquitto; see test/support/kill-loop.ts for the checks.
 */
import { describe, expect, it } from "vitest";
import { expectCleanLoop, killLoop, loopSummary } from "../support/kill-loop";

describe("kill -9 while recording and while saving", () => {
  it("20 kills: the file always checks ok, the recovery is a prefix within the fsync window, the end equals the fault-free recording", async () => {
    const r = await killLoop({ kills: 20, shots: 4, seed: 11 });
    console.log(`kill loop: ${loopSummary(r, "kill")}`);
    expectCleanLoop(r, "kill");
    expect(r.kills.some((k) => k.recovered >= 0 && k.lostAgeMs !== null)).toBe(true); // some kills did lose the unsynced tail
  }, 170_000);
});
