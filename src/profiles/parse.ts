/**
 * Reading a JSON v2 profile (the de1app / pyDE1 `"version": "2"` format) into a checked, typed
 * `ProfileV2`. Fields are read the way pyDE1 2.0.0 reads them: numbers may be JSON numbers or
 * numeric strings ("93.00"), and a field pyDE1 never reads is never checked (the `"flow": ""` that
 * de1app writes on pressure steps is ignored). Whether the values fit the DE1's number formats is
 * checked when the frames are encoded (`encodeProfileFrames`), which `readProfile` always does.
 */
import { ProfileValidationError, type ProfileErrorLocation } from "./errors";
import { decodeProfileText, isJsonObject, parseJsonText, type JsonObject, type JsonValue } from "./json-text";
import { pythonFloat, roundHalfEven, roundsAboveZeroAtTwoDecimals } from "./number";

/** The most steps (DE1 shot frames) a profile may have: the DE1 holds 20 frames. */
export const MAX_STEPS = 20;

/** How the pump is driven during a step. */
export type Pump = "flow" | "pressure";
/** Which temperature the step's `temperature` targets. */
export type Sensor = "coffee" | "water";
/** How the step reaches its target. */
export type Transition = "fast" | "smooth";
/** What an early exit compares. */
export type ExitType = "pressure" | "flow";
/** Which way an early exit compares. */
export type ExitCondition = "over" | "under";

/** A step's early exit ("move on when …"), the frame's DoCompare flag and trigger value. */
export interface StepExit {
  /** `pressure` compares group pressure (bar), `flow` compares flow (ml/s): the DC_CompF flag (0x08) for flow. */
  type: ExitType;
  /** `over` moves on when the measure rises above `value`, `under` when it falls below: the DC_GT flag (0x04) for over. */
  condition: ExitCondition;
  /** The threshold, in bar or ml/s: the frame's TriggerVal (U8P4). */
  value: number;
}

/** A step's limiter: caps flow on a pressure step, or pressure on a flow step (an extension frame). */
export interface StepLimiter {
  /** The cap, in ml/s or bar; the extension frame's MaxFlowOrPressure (U8P4). An extension frame is written only when it is above 0 at two decimals. */
  value: number;
  /** How far below the cap the limiting starts (MaxFoPRange, U8P4); null when `value` is 0 (pyDE1 does not read it then). */
  range: number | null;
}

/** One step of a profile; it becomes one DE1 shot frame (plus an extension frame with a limiter). */
export interface ProfileStep {
  /** 0-based position in `steps`; the DE1 frame number. */
  index: number;
  /** `name`: a label for people (and error messages); not sent to the DE1. */
  name: string | null;
  /** `pump`: `flow` sets the CtrlF flag (0x01) and targets `flow`; `pressure` targets `pressure`. */
  pump: Pump;
  /** `sensor`: `water` sets TMixTemp (0x10, target the mix temperature, no shower-head compensation); `coffee` targets the basket. */
  sensor: Sensor;
  /** `transition`: `smooth` sets Interpolate (0x20, ramp to the target over the step); `fast` jumps. */
  transition: Transition;
  /** `temperature`: target °C; the frame's Temp (U8P1). */
  temperature: number;
  /** `seconds`: the step's length; the frame's FrameLen (F8_1_7). */
  seconds: number;
  /** `volume`: move on after this many ml in the step (0 = no limit); the frame's MaxVol (U10P0). */
  volume: number;
  /** `pressure`: target bar when `pump` is pressure (the frame's SetVal, U8P4); otherwise read only if it is a number. */
  pressure: number | null;
  /** `flow`: target ml/s when `pump` is flow (the frame's SetVal, U8P4); otherwise read only if it is a number. */
  flow: number | null;
  /** `weight`: move on at this weight in g; pyDE1 does this itself from the scale, it is not in the frames. */
  weight: number | null;
  /** `exit`: the early exit, or null (DontCompare, trigger 0). */
  exit: StepExit | null;
  /** `limiter`: the flow/pressure cap, or null. */
  limiter: StepLimiter | null;
}

/** A checked JSON v2 profile. */
export interface ProfileV2 {
  /** `version`, as written ("2", "2.1"; the number 2 reads as "2"). */
  version: string;
  /** `title`: shown in apps and stored in profile.title. */
  title: string | null;
  /** `author`: stored in profile.author. */
  author: string | null;
  /** `notes`: free text, stored in profile.notes. */
  notes: string | null;
  /** `beverage_type` ("espresso", "pourover", …): stored in profile.beverage_type. */
  beverageType: string | null;
  /** `steps`: 1 to 20 steps, the DE1's shot frames in order. */
  steps: ProfileStep[];
  /** `target_volume_count_start`, rounded: the header's NumberOfPreinfuseFrames (frames before this count as preinfusion; volume counting starts after them). */
  preinfuseFrameCount: number;
  /** `target_volume`: stop after this many ml poured after preinfusion; the tail's MaxTotalVolume (0 = no limit). */
  targetVolume: number;
  /** `target_weight`: stop at this weight in g (done by pyDE1 from the scale, not in the frames); null when absent. */
  targetWeight: number | null;
  /** `tank_temperature`: water-tank temperature to reach before a shot (set separately from the frames); null when absent. */
  tankTemperature: number | null;
}

type Where = Omit<ProfileErrorLocation, "field">;

/** Decodes and checks a JSON v2 profile from the bytes of its file. Throws ProfileValidationError. */
export function parseProfile(bytes: Uint8Array): ProfileV2 {
  return parseProfileJson(parseJsonText(decodeProfileText(bytes)));
}

/** Checks an already parsed JSON value as a JSON v2 profile. Throws ProfileValidationError. */
export function parseProfileJson(json: JsonValue): ProfileV2 {
  if (!isJsonObject(json)) throw new ProfileValidationError("the profile must be a JSON object { … }");
  const version = readVersion(json);
  const steps = json["steps"];
  if (steps === undefined) throw missing("steps", {});
  if (!Array.isArray(steps)) throw new ProfileValidationError("must be an array of steps", { field: "steps" });
  if (steps.length === 0) throw new ProfileValidationError("has no steps; a profile needs at least one", { field: "steps" });
  if (steps.length > MAX_STEPS) {
    throw new ProfileValidationError(`has ${steps.length} steps; the DE1 holds at most ${MAX_STEPS}`, { field: "steps" });
  }
  return {
    version,
    title: optionalText(json, "title"),
    author: optionalText(json, "author"),
    notes: optionalText(json, "notes"),
    beverageType: optionalText(json, "beverage_type"),
    steps: steps.map((step, index) => readStep(step, index)),
    preinfuseFrameCount: roundHalfEven(requiredNumber(json, "target_volume_count_start", {})),
    targetVolume: requiredNumber(json, "target_volume", {}),
    targetWeight: optionalNumber(json, "target_weight", {}),
    tankTemperature: optionalNumber(json, "tank_temperature", {}),
  };
}

function readVersion(json: JsonObject): string {
  const v = json["version"];
  if (v === undefined) throw missing("version", {});
  if (v === 2) return "2";
  if (typeof v === "string" && v.split(".")[0] === "2") return v;
  throw new ProfileValidationError(
    `is ${JSON.stringify(v)}; only JSON v2 profiles ("version": "2") are understood`,
    { field: "version" },
  );
}

function readStep(step: JsonValue, index: number): ProfileStep {
  const rawName = isJsonObject(step) ? step["name"] : undefined;
  const where: Where = { step: index, stepName: typeof rawName === "string" ? rawName : null };
  if (!isJsonObject(step)) throw new ProfileValidationError("a step must be a JSON object { … }", where);
  const pump = choice(step, "pump", ["flow", "pressure"] as const, where);
  const sensor = choice(step, "sensor", ["coffee", "water"] as const, where);
  const transition = choice(step, "transition", ["fast", "smooth"] as const, where);
  const temperature = requiredNumber(step, "temperature", where);
  const seconds = requiredNumber(step, "seconds", where);
  const volume = requiredNumber(step, "volume", where);
  // Only the target the pump uses is read; the other is kept when it happens to be a number.
  const pressure = pump === "pressure" ? requiredNumber(step, "pressure", where) : lenientNumber(step["pressure"]);
  const flow = pump === "flow" ? requiredNumber(step, "flow", where) : lenientNumber(step["flow"]);
  return {
    index,
    name: where.stepName ?? null,
    pump,
    sensor,
    transition,
    temperature,
    seconds,
    volume,
    pressure,
    flow,
    weight: optionalNumber(step, "weight", where),
    exit: readExit(step, where),
    limiter: readLimiter(step, where),
  };
}

function readExit(step: JsonObject, where: Where): StepExit | null {
  const exit = step["exit"];
  if (exit === undefined) return null;
  if (!isJsonObject(exit)) throw new ProfileValidationError("must be an object { type, condition, value }", { ...where, field: "exit" });
  return {
    condition: choice(exit, "condition", ["over", "under"] as const, where, "exit."),
    type: choice(exit, "type", ["pressure", "flow"] as const, where, "exit."),
    value: requiredNumber(exit, "value", where, "exit."),
  };
}

function readLimiter(step: JsonObject, where: Where): StepLimiter | null {
  const limiter = step["limiter"];
  if (limiter === undefined) return null;
  if (!isJsonObject(limiter)) throw new ProfileValidationError("must be an object { value, range }", { ...where, field: "limiter" });
  const value = requiredNumber(limiter, "value", where, "limiter.");
  // pyDE1 reads the range only for a limiter it will send (value above 0 at two decimals).
  const range = roundsAboveZeroAtTwoDecimals(value) ? requiredNumber(limiter, "range", where, "limiter.") : lenientNumber(limiter["range"]);
  return { value, range };
}

function choice<T extends string>(obj: JsonObject, key: string, allowed: readonly T[], where: Where, prefix = ""): T {
  const v = obj[key];
  if (v === undefined) throw missing(prefix + key, where);
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw new ProfileValidationError(
    `is ${JSON.stringify(v)}; it must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`,
    { ...where, field: prefix + key },
  );
}

function requiredNumber(obj: JsonObject, key: string, where: Where, prefix = ""): number {
  const v = obj[key];
  if (v === undefined) throw missing(prefix + key, where);
  return toNumber(v, prefix + key, where);
}

function optionalNumber(obj: JsonObject, key: string, where: Where): number | null {
  const v = obj[key];
  return v === undefined ? null : toNumber(v, key, where);
}

function toNumber(v: JsonValue, field: string, where: Where): number {
  const n = pythonFloat(v);
  if (typeof n === "string") throw new ProfileValidationError(n, { ...where, field });
  return n;
}

function lenientNumber(v: JsonValue | undefined): number | null {
  if (v === undefined) return null;
  const n = pythonFloat(v);
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

function optionalText(obj: JsonObject, key: string): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new ProfileValidationError(`must be text, not ${JSON.stringify(v)}`, { field: key });
  return v;
}

function missing(field: string, where: Where): ProfileValidationError {
  return new ProfileValidationError("is missing; it is required", { ...where, field });
}
