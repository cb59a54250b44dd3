/** Reading a profile file into everything the store keeps about it. */
import { encodeProfileFrames } from "./frames";
import { profileFingerprint, profileId } from "./identity";
import { parseProfile, type ProfileV2 } from "./parse";

/** A profile file read, checked and named: what the store keeps in its `profile` table. */
export interface ReadProfile {
  /** SHA-1 hex of the file's bytes (profile.id). */
  id: string;
  /** SHA-1 hex of the DE1 frame writes (profile.fingerprint). */
  fingerprint: string;
  /** `title`, or null. */
  title: string | null;
  /** `author`, or null. */
  author: string | null;
  /** `notes`, or null. */
  notes: string | null;
  /** `beverage_type`, or null. */
  beverageType: string | null;
  /** The checked profile. */
  profile: ProfileV2;
}

/**
 * Reads a JSON v2 profile file: checks it, encodes its DE1 frames (so every value is known to fit)
 * and names it. Throws ProfileValidationError when the file is not a usable profile.
 */
export async function readProfile(bytes: Uint8Array): Promise<ReadProfile> {
  const profile = parseProfile(bytes);
  encodeProfileFrames(profile); // range checks, before anything is hashed or stored
  const [id, fingerprint] = [await profileId(bytes), await profileFingerprint(profile)];
  return {
    id,
    fingerprint,
    title: profile.title,
    author: profile.author,
    notes: profile.notes,
    beverageType: profile.beverageType,
    profile,
  };
}
