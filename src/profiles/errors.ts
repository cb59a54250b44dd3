/**
 * The one error type of the profile layer: a JSON v2 profile that cannot be read, or that would not
 * encode into DE1 frames. Nothing is stored when it is thrown.
 */

/** Where in the profile a problem was found; every part is optional. */
export interface ProfileErrorLocation {
  /** 0-based index of the step in `steps`, when the problem is inside a step. */
  step?: number;
  /** The step's `name`, when it has one. */
  stepName?: string | null;
  /** The field, as a dotted path inside the step or the profile (`exit.condition`, `target_volume`). */
  field?: string;
  /** 1-based line of a JSON syntax error. */
  line?: number;
  /** 1-based column (in characters) of a JSON syntax error. */
  column?: number;
  /** A short piece of the text around a JSON syntax error, the error marked with `➧`. */
  snippet?: string;
}

/**
 * Thrown when an uploaded profile is not a usable JSON v2 profile. The message names the step (index
 * and name) and the field, says what is wrong and what to do; the same facts are on the instance.
 */
export class ProfileValidationError extends Error {
  /** 0-based step index, when the problem is inside a step. */
  readonly step: number | undefined;
  /** The step's name, when the problem is inside a named step. */
  readonly stepName: string | null | undefined;
  /** The field at fault, as a dotted path. */
  readonly field: string | undefined;
  /** 1-based line of a JSON syntax error. */
  readonly line: number | undefined;
  /** 1-based column of a JSON syntax error. */
  readonly column: number | undefined;
  /** Text around a JSON syntax error. */
  readonly snippet: string | undefined;
  /** The problem alone, without the location prefix. */
  readonly problem: string;

  constructor(problem: string, where: ProfileErrorLocation = {}) {
    super(describe(problem, where));
    this.name = "ProfileValidationError";
    this.problem = problem;
    this.step = where.step;
    this.stepName = where.stepName;
    this.field = where.field;
    this.line = where.line;
    this.column = where.column;
    this.snippet = where.snippet;
  }
}

function describe(problem: string, where: ProfileErrorLocation): string {
  const parts: string[] = [];
  if (where.step !== undefined) {
    const name = where.stepName ? ` "${where.stepName}"` : "";
    parts.push(`step ${where.step + 1} of the profile (index ${where.step}${name ? "," + name : ""})`);
  }
  if (where.field !== undefined) parts.push(`field "${where.field}"`);
  if (where.line !== undefined) parts.push(`line ${where.line}, column ${where.column ?? "?"}`);
  const at = parts.length ? `${parts.join(", ")}: ` : "";
  const near = where.snippet !== undefined ? ` near: ${where.snippet}` : "";
  return `JSON v2 profile, ${at}${problem}${near}. Fix the profile file and add it again.`;
}
