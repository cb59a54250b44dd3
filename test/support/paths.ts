/** Paths the tests read: the shared fixtures beside the project, and a scratch folder per test run. */
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { readdirSync } from "node:fs";

/** The project root (the folder holding package.json). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The read-only shared folder beside the project (`../shared`). */
export const SHARED = resolve(ROOT, "../shared");
/** `../shared/fixtures`. */
export const FIXTURES = join(SHARED, "fixtures");
/** The names of the recordings under `../shared/fixtures/recordings` (every folder there). */
export const RECORDINGS: string[] = readdirSync(join(FIXTURES, "recordings"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

export { scratch } from "./scratch";
