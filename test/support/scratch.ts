/**
 * Scratch folders for tests: each is made under the system temp dir and removed when its test file
 * ends (test/support/scratch.setup.ts), so repeated runs leave nothing behind. Imports nothing of
 * the tests' own, so the benchmarks can use the test helpers that call it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** A new empty scratch folder under the system temp dir, removed when the test file ends. */
export function scratch(prefix = "pyde1-store-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * Removes every scratch folder made so far in this process (newest first), unless
 * PYDE1_STORE_KEEP_SCRATCH=1 asks to keep them for a look after a failure. A folder that cannot
 * be removed is named in the error, after the others are gone.
 */
export function removeScratch(): void {
  if (process.env.PYDE1_STORE_KEEP_SCRATCH === "1") return;
  const failed: string[] = [];
  while (made.length > 0) {
    const dir = made.pop() as string;
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      failed.push(`${dir} (${(e as Error).message})`);
    }
  }
  if (failed.length > 0) throw new Error(`could not remove scratch folders: ${failed.join("; ")}; remove them by hand`);
}
