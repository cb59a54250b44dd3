/**
 * The long kill -9 loop (`npm run test:crash`, ~90 s): 60 SIGKILLs of the real `record` process
 * through a real mosquitto over a longer stream, with the checks of test/support/kill-loop.ts.
 * Run by `npm run test:crash` (and by `npm test` after the other tests, on its own so timing is fair);
 * test/durability runs the same loop with 20 kills every time.
 */
import { describe, expect, it } from "vitest";
import { killLoop } from "../support/kill-loop";

describe("kill -9 loop, long", () => {
  it("60 kills over 12 shots: never corrupt, never a duplicate or a gap, loss within the fsync window", async () => {
    const r = await killLoop({ kills: 60, shots: 12, seed: 2024 });
    const lost = r.kills.map((k) => k.lostAgeMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
    console.log(
      `kill loop: ${r.kills.length} kills, ${r.kills.filter((k) => k.midSave).length} mid-save, ${r.messages} messages; ` +
        `age of the oldest lost message at the kill: p50 ${(lost[Math.floor(lost.length / 2)] ?? 0).toFixed(0)} ms, max ${Math.max(0, ...lost).toFixed(0)} ms`,
    );
    for (const [i, k] of r.kills.entries()) expect(k.problems, `kill ${i + 1} (${k.mode})`).toEqual([]);
    expect(r.finalExit).toBe(0);
    expect(r.finalIntegrity).toBe("ok");
    expect(r.finalDiff).toEqual([]);
  }, 600_000);
});
