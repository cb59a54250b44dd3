/**
 * Running the SQL console's text in the worker: every statement in turn, each result capped at a
 * number of rows; BLOBs shown as their size, not their bytes.
 */
import type { Database, SqlValue } from "sql.js";
import type { QueryResult } from "./protocol";

/** A cell as the console shows it. */
function cell(v: SqlValue): string | number | null {
  if (v instanceof Uint8Array) return `<BLOB ${v.length} bytes>`;
  return v;
}

/** Runs `sql` (one or more statements) and returns each statement's columns and first rows. */
export function runSql(db: Database, sql: string, maxRows: number): QueryResult[] {
  const results: QueryResult[] = [];
  for (const st of db.iterateStatements(sql)) {
    try {
      const columns = st.getColumnNames();
      const out: (string | number | null)[][] = [];
      let truncated = false;
      while (st.step()) {
        if (out.length >= maxRows) {
          truncated = true;
          break;
        }
        out.push(st.get().map(cell));
      }
      if (columns.length > 0) results.push({ columns, rows: out, truncated });
    } finally {
      st.free();
    }
  }
  if (results.length === 0) results.push({ columns: ["changes"], rows: [[db.getRowsModified()]], truncated: false });
  return results;
}
