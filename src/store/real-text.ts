/**
 * How pyDE1's SQLite writes a float into a TEXT column, for values that must read back as pyDE1's do.
 */

/**
 * A float as the text SQLite 3.40 (pyDE1's) stores when a REAL is bound to a TEXT column: printf
 * `%!.15g` — 15 significant digits, trailing zeros dropped but at least one digit after the point,
 * exponent form below 1e-4 or from 1e15 (`1.0e+20`, `1.5e-07`). 1700700003.056021 → "1700700003.05602".
 * (Newer SQLite, including sql.js's, writes up to 17 digits instead, so binding the number would not
 * give pyDE1's text.)
 */
export function sqliteRealText(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`sqliteRealText: ${x} is not a finite number`);
  if (x === 0) return "0.0";
  const [mantissa, exp] = x.toExponential(14).split("e") as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 15) {
    const digits = withPointDigit(mantissa);
    const sign = e < 0 ? "-" : "+";
    return `${digits}e${sign}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return withPointDigit(x.toPrecision(15));
}

/** Drops trailing fraction zeros, keeping (or adding) one digit after the point. */
function withPointDigit(fixed: string): string {
  if (!fixed.includes(".")) return `${fixed}.0`;
  const trimmed = fixed.replace(/0+$/, "");
  return trimmed.endsWith(".") ? `${trimmed}0` : trimmed;
}
