/**
 * Reading a stored JSON v2 profile for display: title, author, notes and steps as readable text.
 * Tolerant: a missing, `dummy` or unparsable source gives what can be shown, never an exception.
 */

/** One step of a profile as the table shows it. */
export interface StepView {
  name: string;
  /** "9.0 bar" or "2.0 ml/s" */
  target: string;
  /** "fast" / "smooth" */
  transition: string;
  /** "92.0 °C water" / "… coffee" */
  temperature: string;
  /** "25 s" */
  seconds: string;
  /** "exit if pressure over 4.0 bar", "" when none */
  exit: string;
  /** "limit flow 3.0 ml/s ±0.6", "" when none */
  limiter: string;
  /** "36 g / 100 ml" stops, "" when none */
  stops: string;
}

/** What the profile panel shows. */
export interface ProfileView {
  title: string | null;
  author: string | null;
  notes: string | null;
  beverageType: string | null;
  /** target weight/volume etc. as label → text */
  facts: [string, string][];
  steps: StepView[];
  /** why the steps could not be read, when they could not */
  problem: string | null;
}

type Json = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);
const numText = (v: unknown, digits = 1): string | null => {
  const n = Number(str(v));
  return str(v) === null || !Number.isFinite(n) ? null : n.toFixed(digits);
};
const positive = (v: unknown): boolean => Number(str(v)) > 0;

/** The unit of a pump mode or exit type. */
const unitOf = (kind: string | null) => (kind === "pressure" ? "bar" : kind === "flow" ? "ml/s" : kind === "weight" ? "g" : "");

/** One step for display. */
function step(s: Json, i: number): StepView {
  const pump = str(s.pump) ?? "pressure";
  const exit = (s.exit ?? null) as Json | null;
  const limiter = (s.limiter ?? null) as Json | null;
  const stops: string[] = [];
  if (positive(s.weight)) stops.push(`${numText(s.weight)} g`);
  if (positive(s.volume)) stops.push(`${numText(s.volume, 0)} ml`);
  const exitType = exit ? str(exit.type) : null;
  const limitKind = pump === "pressure" ? "flow" : "pressure";
  return {
    name: str(s.name) ?? `step ${i + 1}`,
    target: `${numText(s[pump]) ?? "?"} ${unitOf(pump)}`,
    transition: str(s.transition) ?? "",
    temperature: `${numText(s.temperature) ?? "?"} °C${str(s.sensor) ? ` ${s.sensor}` : ""}`,
    seconds: numText(s.seconds, 0) === null ? "" : `${numText(s.seconds, 0)} s`,
    exit: exit ? `${exitType ?? "?"} ${str(exit.condition) ?? "?"} ${numText(exit.value) ?? "?"} ${unitOf(exitType)}`.trim() : "",
    limiter: limiter && positive(limiter.value) ? `${limitKind} ${numText(limiter.value)} ${unitOf(limitKind)} ±${numText(limiter.range) ?? "?"}` : "",
    stops: stops.join(" · "),
  };
}

/** Reads a profile source (JSON v2) with the row's columns as fallback. */
export function readProfileView(source: string | null, row: { title: string | null; author: string | null; notes: string | null; beverage_type: string | null }): ProfileView {
  const view: ProfileView = { title: row.title, author: row.author, notes: row.notes, beverageType: row.beverage_type, facts: [], steps: [], problem: null };
  if (source === null || source === "" || source === "dummy") {
    view.problem = "No profile source is stored for this shot.";
    return view;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (e) {
    view.problem = `The stored profile is not JSON: ${(e as Error).message}`;
    return view;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    view.problem = "The stored profile is not a JSON object.";
    return view;
  }
  const p = parsed as Json;
  view.title ??= str(p.title);
  view.author ??= str(p.author);
  view.notes ??= str(p.notes);
  view.beverageType ??= str(p.beverage_type);
  if (positive(p.target_weight)) view.facts.push(["Stop at weight", `${numText(p.target_weight)} g`]);
  if (positive(p.target_volume)) view.facts.push(["Stop at volume", `${numText(p.target_volume, 0)} ml`]);
  if (positive(p.tank_temperature)) view.facts.push(["Tank temperature", `${numText(p.tank_temperature)} °C`]);
  if (str(p.version)) view.facts.push(["Format", `JSON v${str(p.version)}`]);
  if (!Array.isArray(p.steps)) {
    view.problem = "The profile has no steps.";
    return view;
  }
  view.steps = p.steps.filter((s): s is Json => typeof s === "object" && s !== null).map(step);
  return view;
}
