/**
 * Python-compatible number formatting, so exported text matches what pyDE1 (Python 3) writes
 * byte for byte.
 *
 * JavaScript and Python disagree in two places that matter for shot files:
 * - `'{:.2f}'.format(x)` rounds the *exact* binary value of the double, ties to even
 *   (0.125 → "0.12"), where `toFixed` rounds an exact tie away from zero ("0.13").
 * - `repr(x)` / `str(x)` always show a float as a float ("1.0") and switch to exponent notation
 *   below 1e-4 and from 1e16 ("1e-05", "1e+16"), where `String(x)` gives "1", "0.00001", "10000000000000000".
 */
import { pythonFloatText } from "../store/hkv";

/** Split a finite, non-negative double into an integer mantissa and a power of two: x = mantissa · 2^exponent. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** Whether a double's sign bit is set (true for -0 too). */
function signBit(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/** 10^0 … 10^8: the decimals the integer path of {@link formatFixed} handles. */
const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/** `n / unit` written with `digits` decimals, for a non-negative integer `n` and `unit` = 10^digits. */
function fixedDigits(n: number, digits: number, unit: number): string {
  if (digits === 0) return String(n);
  const whole = Math.floor(n / unit);
  const fraction = String(n - whole * unit);
  return `${whole}.${fraction.length < digits ? "0".repeat(digits - fraction.length) + fraction : fraction}`;
}

/**
 * Python's `format(x, '.Nf')`: fixed point with `digits` decimals, rounding the exact value of
 * the double half to even. Keeps the sign of negative values that round to zero ("-0.00"),
 * and writes "nan", "inf", "-inf" like Python.
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0) throw new RangeError(`formatFixed: digits must be a non-negative integer, got ${digits}`);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const abs = Math.abs(x);
  // Fast path: toFixed rounds the exact value of the double too, and differs from Python only on an
  // exact tie (it rounds up, Python to even). Anything near a tie, or too large, takes the exact path.
  const tabled = digits < POWERS_OF_TEN.length;
  const unit = tabled ? POWERS_OF_TEN[digits] : 10 ** digits;
  const scaledFloat = abs * unit;
  if (digits <= 20 && scaledFloat < 2 ** 50 && Math.abs(scaledFloat - Math.floor(scaledFloat) - 0.5) > 1e-6) {
    // Below 2^30 the product is within 2^-24 of the exact value (half its last bit), far inside
    // the 1e-6 kept from a tie, so rounding it rounds the exact value: the digits of an integer,
    // without toFixed (a shot file formats thousands of these)
    if (tabled && scaledFloat < 2 ** 30) return (signBit(x) ? "-" : "") + fixedDigits(Math.round(scaledFloat), digits, unit);
    return (signBit(x) ? "-" : "") + abs.toFixed(digits);
  }
  const { mantissa, exponent } = decompose(abs);
  const scale = 10n ** BigInt(digits);
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * scale;
  } else {
    const numerator = mantissa * scale;
    const denominator = 1n << BigInt(-exponent);
    scaled = numerator / denominator;
    const twiceRemainder = 2n * (numerator - scaled * denominator);
    if (twiceRemainder > denominator || (twiceRemainder === denominator && (scaled & 1n) === 1n)) scaled += 1n;
  }
  let text = scaled.toString();
  if (digits > 0) {
    text = text.padStart(digits + 1, "0");
    text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  }
  return (signBit(x) ? "-" : "") + text;
}

/** Python's `round(x)` for a float: the nearest integer, exact halves to even. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`roundHalfEven: cannot round ${x} to an integer`);
  const floor = Math.floor(x);
  const diff = x - floor; // exact for every double
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Python's `'{:d}'.format(n)` / `str(n)` for an integer held in a double or a bigint. */
export function formatInt(n: number | bigint): string {
  if (typeof n === "bigint") return n.toString();
  if (!Number.isInteger(n)) throw new RangeError(`formatInt: ${n} is not an integer`);
  if (Number.isSafeInteger(n)) return String(Object.is(n, -0) ? 0 : n);
  return BigInt(n).toString();
}

/**
 * Python's `repr(x)` (and `str(x)`) for a float: the shortest digits that read back as the same
 * double, in fixed notation when the decimal point falls between 1e-4 and 1e16, else in exponent
 * notation with at least two exponent digits ("1e-05", "1.5e+16"); integral values keep ".0".
 * One implementation for the whole project: the store's `pythonFloatText` (export may import store).
 */
export const floatRepr: (x: number) => string = pythonFloatText;
