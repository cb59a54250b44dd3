/**
 * The real JSON v2 profiles under `../shared/data/profiles`, with the id and fingerprint pyDE1
 * 2.0.0 computed for each (the table in its SOURCES.md), read at run time so that tests follow
 * whatever profiles the folder holds.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SHARED } from "./paths";

/** `../shared/data/profiles`. */
export const PROFILES = join(SHARED, "data/profiles");

/** One reference profile: its file name in {@link PROFILES} and pyDE1's answers for it. */
export interface ReferenceProfile {
  file: string;
  id: string;
  fingerprint: string;
}

/** Every `| file.json | id | fingerprint |` row of SOURCES.md, in the table's order. */
export const REFERENCE_PROFILES: ReferenceProfile[] = [
  ...readFileSync(join(PROFILES, "SOURCES.md"), "utf8").matchAll(/^\| (\S+\.json) \| ([0-9a-f]{40}) \| ([0-9a-f]{40}) \|$/gm),
].map((m) => ({ file: m[1]!, id: m[2]!, fingerprint: m[3]! }));

/** A reference profile's bytes. */
export const referenceBytes = (p: ReferenceProfile): Buffer => readFileSync(join(PROFILES, p.file));
