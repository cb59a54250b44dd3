import { afterEach, describe, expect, it, vi } from "vitest";
import { progressBar } from "../../src/cli/progress-bar";

describe("progress bar", () => {
  afterEach(() => vi.restoreAllMocks());

  it("draws in place on stderr, once per percent, and ends the line", () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => (writes.push(String(s)), true));
    const bar = progressBar("backup", true);
    bar.update(0, 200);
    bar.update(1, 200); // still 0 %: not drawn again
    bar.update(100, 200);
    bar.update(200, 200);
    bar.finish();
    expect(writes).toEqual([
      `\rbackup [${".".repeat(30)}]   0%`,
      `\rbackup [${"#".repeat(15)}${".".repeat(15)}]  50%`,
      `\rbackup [${"#".repeat(30)}] 100%`,
      "\n",
    ]);
  });

  it("draws nothing when disabled (not a terminal, or a small file)", () => {
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const bar = progressBar("backup", false);
    bar.update(5, 10);
    bar.finish();
    expect(spy).not.toHaveBeenCalled();
  });
});
