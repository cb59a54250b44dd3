/**
 * Typed access to `persist_hkv`: pyDE1's small (header, key) → value store. Known rows:
 * `last_profile/id`, `last_profile/datetime`, and `scale.period/<scale address>`.
 */
import type { Database } from "sql.js";
import { sqliteRealText } from "./real-text";

/** Queries on the `persist_hkv` table. */
export class HkvQueries {
  constructor(
    private readonly db: Database,
    private readonly touch: () => void,
  ) {}

  /** The value stored under (header, key), or null. */
  get(header: string, key: string): string | null {
    const r = this.db.exec("SELECT value FROM persist_hkv WHERE header = ? AND key = ?", [header, key]);
    const v = r[0]?.values[0]?.[0];
    return v === undefined || v === null ? null : String(v);
  }

  /** Stores `value` under (header, key), replacing what was there. Values are kept as TEXT. */
  set(header: string, key: string, value: string): void {
    this.db.run(
      "INSERT INTO persist_hkv (header, key, value) VALUES (?, ?, ?) " +
        "ON CONFLICT (header, key) DO UPDATE SET value = excluded.value",
      [header, key, value],
    );
    this.touch();
  }

  /** The profile pyDE1 last had loaded: `last_profile/id` (seeded as 'dummy'). */
  lastProfileId(): string {
    return this.get("last_profile", "id") ?? "dummy";
  }

  /** Sets `last_profile/id` and `last_profile/datetime` (epoch seconds, as text the way pyDE1's SQLite writes a float). */
  setLastProfile(id: string, when: number): void {
    this.set("last_profile", "id", id);
    this.set("last_profile", "datetime", sqliteRealText(when));
  }

  /** The estimated scale report period for a scale address, in seconds, or null. */
  scalePeriod(address: string): number | null {
    const v = this.get("scale.period", address);
    return v === null ? null : Number(v);
  }

  /** Stores the estimated scale report period for a scale address. */
  setScalePeriod(address: string, seconds: number): void {
    this.set("scale.period", address, sqliteRealText(seconds));
  }
}

/**
 * A number as Python's `str(float)` writes it (`1700700003.05602`, `0.0`, `1e-05`): the shortest
 * text that reads back as the same double, with Python's exponent rules.
 */
export function pythonFloatText(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Object.is(x, -0)) return "-0.0";
  const [mantissa, e] = x.toExponential().split("e");
  const exp = Number(e);
  if (x !== 0 && (exp < -4 || exp >= 16)) {
    // Python: shortest mantissa, exponent with its sign and at least two digits.
    return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const s = String(x);
  return s.includes(".") ? s : `${s}.0`;
}
