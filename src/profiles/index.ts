/**
 * The profile layer: JSON v2 profiles read and checked, encoded into DE1 frames, named by id and
 * fingerprint. Browser-safe (no `node:*`).
 */
export { ProfileValidationError, type ProfileErrorLocation } from "./errors";
export {
  parseProfile,
  parseProfileJson,
  MAX_STEPS,
  type ProfileV2,
  type ProfileStep,
  type StepExit,
  type StepLimiter,
  type Pump,
  type Sensor,
  type Transition,
  type ExitType,
  type ExitCondition,
} from "./parse";
export {
  encodeProfileFrames,
  profileFrameBytes,
  encodeHeader,
  encodeShotFrame,
  encodeExtensionFrame,
  encodeTail,
  stepFlags,
  FrameFlag,
  type FrameWrite,
  type FrameWriteKind,
} from "./frames";
export { profileId, profileFingerprint } from "./identity";
export { addProfile, sqliteRealText, type AddProfileResult, type AddProfileOptions } from "./library";

export { readProfile, type ReadProfile } from "./read";
