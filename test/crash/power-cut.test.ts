/**
 * The long power-cut loop (`npm run test:crash`): 30 power cuts of the real `record` process
 * through a real mosquitto, each leaving only what fsync made durable (test/support/faulty-fs.ts),
 * with the checks of test/support/kill-loop.ts. test/durability runs the same loop with 10 cuts
 * every time.
 */
import { describe, it } from "vitest";
import { expectCleanLoop, killLoop, loopSummary } from "../support/kill-loop";

describe("power-cut loop, long", () => {
  it("30 cuts over 8 shots: never corrupt, never a duplicate or a gap, loss within the fsync window", async () => {
    const r = await killLoop({ kills: 30, shots: 8, seed: 77, powerCut: true });
    console.log(`power-cut loop: ${loopSummary(r, "cut")}`);
    expectCleanLoop(r, "cut");
  }, 600_000);
});
