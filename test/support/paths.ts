/** Paths the tests read: the shared fixtures beside the project, and a scratch folder per test run. */
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { readdirSync, readFileSync } from "node:fs";

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

/** What a recording's manifest.json says: the profiles uploaded first, and each sequence's profile id. */
interface Manifest {
  profiles: unknown[];
  sequences: Record<string, { profile_id: string | null }>;
}
const manifestOf = (name: string): Manifest =>
  JSON.parse(readFileSync(join(FIXTURES, "recordings", name, "manifest.json"), "utf8")) as Manifest;

/**
 * The recording a test needs by its kind: the one the shared README names when it is there, or
 * else the one with the most sequences among those that fit, so that tests also run on other data
 * of the same kind.
 */
function recordingOfKind(name: string, what: string, fits: (m: Manifest) => boolean): string {
  if (RECORDINGS.includes(name)) return name;
  const found = RECORDINGS.map((r) => ({ r, m: manifestOf(r) }))
    .filter(({ m }) => fits(m))
    .sort((a, b) => Object.keys(b.m.sequences).length - Object.keys(a.m.sequences).length)[0];
  if (!found) throw new Error(`${join(FIXTURES, "recordings")}: no recording "${name}", nor any with ${what}; the tests need one`);
  return found.r;
}
const sequencesOf = (m: Manifest) => Object.values(m.sequences);

/** The ids of the sequences pyDE1 recorded in a recording (its manifest's), in their order. */
export const sequenceIdsOf = (name: string): string[] => Object.keys(manifestOf(name).sequences);

/** Shots with a profile uploaded first and named by each sequence (`three-shots`). */
export const SHOTS_RECORDING = recordingOfKind("three-shots", "a profile uploaded and three sequences that name it", (m) =>
  m.profiles.length > 0 && sequencesOf(m).length >= 3 && sequencesOf(m).every((s) => s.profile_id !== null),
);
/** A profile uploaded, but sequences that carry no profile id: pyDE1 assumes the last upload (`assumed`). */
export const ASSUMED_RECORDING = recordingOfKind("assumed", "a profile uploaded and sequences without a profile id", (m) =>
  m.profiles.length > 0 && sequencesOf(m).length > 0 && sequencesOf(m).every((s) => s.profile_id === null),
);
/** No profile ever uploaded: the sequences point at pyDE1's `dummy` profile (`no-profile`). */
export const NO_PROFILE_RECORDING = recordingOfKind("no-profile", "no profile uploaded", (m) =>
  m.profiles.length === 0 && sequencesOf(m).length > 0,
);

export { scratch } from "./scratch";
