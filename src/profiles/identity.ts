/**
 * The two names pyDE1 gives a profile. The id names the file: SHA-1 of the uploaded bytes, exactly
 * as uploaded. The fingerprint names the program the DE1 runs: SHA-1 of the BLE writes that load
 * it, so two files that differ only in spacing, notes or titles share one fingerprint.
 */
import { sha1 } from "hash-wasm";
import { profileFrameBytes } from "./frames";
import type { ProfileV2 } from "./parse";

/** The profile id: lowercase hex SHA-1 of the profile file's bytes, verbatim. */
export async function profileId(bytes: Uint8Array): Promise<string> {
  return sha1(bytes);
}

/**
 * The profile fingerprint: lowercase hex SHA-1 of the header, frame, extension-frame and tail
 * writes pyDE1 sends to the DE1, concatenated in that order. Throws ProfileValidationError when a
 * value does not fit the DE1's formats.
 */
export async function profileFingerprint(profile: ProfileV2): Promise<string> {
  return sha1(profileFrameBytes(profile));
}
