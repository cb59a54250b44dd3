/**
 * The long power-cut loop (`npm run test:crash`): 30 power cuts of the real `record` process
 * through a real mosquitto, each leaving only what fsync made durable (test/support/faulty-fs.ts),
 * with the checks of test/support/kill-loop.ts. test/durability runs the same loop with 10 cuts
 * every time.
 */
import { describe, expect, it } from "vitest";
import { killLoop } from "../support/kill-loop";

describe("power-cut loop, long", () => {
  it("30 cuts over 8 shots: never corrupt, never a duplicate or a gap, loss within the fsync window", async () => {
    const r = await killLoop({ kills: 30, shots: 8, seed: 77, powerCut: true });
    const lost = r.kills.map((k) => k.lostAgeMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
    console.log(
      `power-cut loop: ${r.kills.length} cuts, ${r.kills.filter((k) => k.midSave).length} as a save began, ${r.messages} messages; ` +
        `age of the oldest lost message at the cut: p50 ${(lost[Math.floor(lost.length / 2)] ?? 0).toFixed(0)} ms, max ${Math.max(0, ...lost).toFixed(0)} ms`,
    );
    for (const [i, k] of r.kills.entries()) expect(k.problems, `cut ${i + 1} (${k.mode})`).toEqual([]);
    expect(r.finalExit).toBe(0);
    expect(r.finalIntegrity).toBe("ok");
    expect(r.finalDiff).toEqual([]);
  }, 600_000);
});
