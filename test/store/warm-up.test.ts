/**
 * The engine's warm-up (src/store/warm-up.ts): it compiles the recorder's write paths before the
 * first real write, and it leaves the caller's database as it was.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadNodeSqlJs } from "../../src/store/persist/sqljs-node";
import { warmUp } from "../../src/store/warm-up";
import { Store } from "../../src/store/store";
import { spawnSync } from "node:child_process";
import { FIXTURES, ROOT, SHOTS_RECORDING } from "../support/paths";

const CHILD = join(__dirname, "warm-up.child.ts");

/** WebAssembly functions V8 compiled while the child recorded, and the rows it wrote. */
function recordInChild(mode: "warm" | "cold"): { compiled: number; rows: number } {
  // a process of its own (V8's flags and trace), run as scripts are: bundled by scripts/run-ts.mjs
  const r = spawnSync(process.execPath, [join(ROOT, "scripts/run-ts.mjs"), CHILD, mode, join(FIXTURES, "recordings", SHOTS_RECORDING)], { encoding: "utf8", maxBuffer: 1 << 26 });
  expect(r.status, r.stderr).toBe(0);
  return { compiled: r.stdout.match(/^Compiled function/gm)?.length ?? 0, rows: Number(/^rows (\d+)$/m.exec(r.stdout)?.[1]) };
}

describe("warmUp", () => {
  it("compiles the write paths first: recording into a real database then compiles next to nothing", () => {
    const cold = recordInChild("cold");
    const warm = recordInChild("warm");
    expect(warm.rows).toBe(cold.rows);
    expect(warm.rows).toBeGreaterThan(1000);
    // on the test machine: 118 functions compiled while recording cold, 19 (the sequence row's) warm
    expect(cold.compiled).toBeGreaterThan(60);
    expect(warm.compiled).toBeLessThan(cold.compiled / 3);
  });

  it("leaves the caller's open database byte for byte as it was, and the engine usable", async () => {
    const SQL = await loadNodeSqlJs();
    const store = Store.open(SQL, readFileSync(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3")));
    const before = store.db.export();
    const counts = store.tableCounts();
    warmUp(SQL);
    expect(Buffer.compare(store.db.export(), before)).toBe(0);
    expect(store.tableCounts()).toEqual(counts);
    store.close();
  });
});
