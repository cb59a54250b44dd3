/**
 * The long kill -9 loop (`npm run test:crash`, ~90 s): 60 SIGKILLs of the real `record` process
 * through a real mosquitto over a longer stream, with the checks of test/support/kill-loop.ts.
 * Run by `npm run test:crash` (and by `npm test` after the other tests, on its own so timing is fair);
 * test/durability runs the same loop with 20 kills every time.
 */
import { describe, it } from "vitest";
import { expectCleanLoop, killLoop, loopSummary } from "../support/kill-loop";

describe("kill -9 loop, long", () => {
  it("60 kills over 12 shots: never corrupt, never a duplicate or a gap, loss within the fsync window", async () => {
    const r = await killLoop({ kills: 60, shots: 12, seed: 2024 });
    console.log(`kill loop: ${loopSummary(r, "kill")}`);
    expectCleanLoop(r, "kill");
  }, 600_000);
});
