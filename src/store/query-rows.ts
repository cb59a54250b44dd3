/** Reading every row of one query with bound parameters (browser-safe), for the read-only queries of the exporters, the archive and the viewer. */
import type { Database, SqlValue } from "sql.js";

/** All rows of `sql` with `params` bound, as arrays of cells; the statement is freed whatever happens. */
export function queryRows(db: Database, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const statement = db.prepare(sql);
  try {
    statement.bind(params);
    const out: SqlValue[][] = [];
    while (statement.step()) out.push(statement.get());
    return out;
  } finally {
    statement.free();
  }
}

/** A cell as a number, or null when it is NULL or not numeric. */
export function cellNumber(cell: SqlValue | undefined): number | null {
  return typeof cell === "number" ? cell : null;
}
