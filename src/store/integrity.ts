/**
 * Checking that a database image is sound: SQLite's own `PRAGMA integrity_check`, for the commands
 * that vouch for a copy (a backup written, a backup put back).
 */
import type { Database } from "sql.js";

/** What `PRAGMA integrity_check` found wrong, one line each (whitespace folded); empty when it says "ok". */
export function integrityProblems(db: Database): string[] {
  const answer = (db.exec("PRAGMA integrity_check")[0]?.values ?? []).map((r) => String(r[0]).replace(/\s+/g, " ").trim());
  return answer.length === 1 && answer[0] === "ok" ? [] : answer;
}
