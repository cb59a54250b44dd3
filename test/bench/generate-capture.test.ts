/**
 * `scripts/generate-capture.ts`, the command that writes the benchmarks' capture: its file is the
 * generator's lines exactly, and a bad command line is refused with exit 2 and no file written.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { syntheticCapture } from "../../scripts/bench/synthetic-capture";
import { ROOT, scratch } from "../support/paths";

const dir = scratch("generate-capture-");

/** Runs the script as its usage line says. */
function generate(...args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, "scripts/run-ts.mjs"), join(ROOT, "scripts/generate-capture.ts"), ...args], { encoding: "utf8" });
}

describe("scripts/generate-capture.ts", () => {
  it("writes the generator's lines for the shots, seed and flushes asked", () => {
    const out = join(dir, "two.ndjson");
    const r = generate(out, "--shots", "2", "--seed", "7", "--flushes");
    expect(r.status).toBe(0);
    const lines = [...syntheticCapture({ shots: 2, seed: 7, flushes: true })];
    expect(r.stderr).toContain(`wrote ${lines.length} events`);
    expect(readFileSync(out, "utf8")).toBe(lines.map((l) => `${l}\n`).join(""));
  });

  it("refuses a bad command line with exit 2, says why, and writes nothing", () => {
    const out = join(dir, "bad.ndjson");
    const cases: [string[], RegExp][] = [
      [[out, "--shots", "abc"], /--shots must be a whole number >= 1, not 'abc'/],
      [[out, "--seed", "1.5"], /--seed must be a whole number >= 0, not '1.5'/],
      [[out, "--bogus"], /Unknown option '--bogus'/],
      [[], /give one output file/],
    ];
    for (const [args, message] of cases) {
      const r = generate(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("prints its usage with --help", () => {
    const r = generate("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: .*generate-capture\.ts OUT\.ndjson/);
    expect(r.stdout).toContain("--flushes");
  });
});
