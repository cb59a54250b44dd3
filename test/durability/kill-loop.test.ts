/**
 * Pull the plug: 20 SIGKILLs of the real `record` process (half at random moments, half the
 * instant a save begins) through a real mosquitto; see test/support/kill-loop.ts for the checks.
 */
import { describe, expect, it } from "vitest";
import { killLoop } from "../support/kill-loop";

describe("kill -9 while recording and while saving", () => {
  it("20 kills: the file always checks ok, the recovery is a prefix within the fsync window, the end equals the fault-free recording", async () => {
    const r = await killLoop({ kills: 20, shots: 4, seed: 11 });
    const lost = r.kills.map((k) => k.lostAgeMs).filter((x): x is number => x !== null);
    console.log(
      `kill loop: ${r.kills.length} kills, ${r.kills.filter((k) => k.midSave).length} mid-save, ${r.messages} messages; ` +
        `age of the oldest lost message at the kill: max ${Math.max(0, ...lost).toFixed(0)} ms`,
    );
    for (const [i, k] of r.kills.entries()) expect(k.problems, `kill ${i + 1} (${k.mode})`).toEqual([]);
    expect(r.finalExit).toBe(0);
    expect(r.finalIntegrity).toBe("ok");
    expect(r.finalDiff).toEqual([]);
    expect(r.kills.some((k) => k.recovered >= 0 && k.lostAgeMs !== null)).toBe(true); // some kills did lose the unsynced tail
  }, 170_000);
});
