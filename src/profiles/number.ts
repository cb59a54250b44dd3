/**
 * Numbers in JSON v2 profiles. de1app writes every number as a string ("93.00", "100", "0"); some
 * tools write JSON numbers. pyDE1 reads each field with Python's `float()`, so this accepts exactly
 * the text `float()` accepts (ASCII digits): optional surrounding whitespace, a sign, digits with
 * single `_` separators, a fraction, an exponent, and `inf`/`infinity`/`nan` in any case (those
 * then fail the range check of the DE1 field they would go to).
 */

/** Why a field value is not a number, or null when it is one. */
export type NumberProblem = string;

const PY_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const PY_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/**
 * The value Python's `float(value)` gives for a JSON field value, or a description of why it has
 * none. Booleans, null, arrays and objects are refused (Python would take `true` as 1.0; no profile
 * editor writes that, and it is far more likely a mistake).
 */
export function pythonFloat(value: unknown): number | NumberProblem {
  if (typeof value === "number") return value;
  if (typeof value !== "string") {
    return `must be a number or a numeric string, not ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`;
  }
  const text = value.trim();
  if (text === "") return "is empty; give a number";
  const special = PY_SPECIAL.exec(text);
  if (special) {
    if (special[2]!.toLowerCase() === "nan") return Number.NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!PY_FLOAT.test(text)) return `is ${JSON.stringify(value)}, which is not a number`;
  return Number(text.replace(/_/g, ""));
}

/**
 * Python's `round(x)` on a float: to the nearest integer, an exact tie to the even one
 * (2.5 → 2, 3.5 → 4, -2.5 → -2). JavaScript's `Math.round` sends ties up (2.5 → 3).
 */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const up = Math.round(x); // ties toward +∞
  if (up - x === 0.5 && up % 2 !== 0) return up - 1;
  return up === 0 ? 0 : up; // no -0
}

/**
 * Python's `round(x, 2) > 0`, which is how pyDE1 decides that a limiter is set. For a double this is
 * `x >= 0.005`: the double nearest 0.005 lies above 0.005 and rounds up to 0.01, the one below it
 * rounds down to 0.0.
 */
export function roundsAboveZeroAtTwoDecimals(x: number): boolean {
  return x >= 0.005;
}
