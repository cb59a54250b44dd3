/**
 * Warming up the engine for a process that records: V8 compiles each of sql.js's functions on its
 * first call, and with the optimizing compiler (the live recorder's choice, see
 * persist/sqljs-node.ts) the first commit of notification rows compiled the insert paths there and
 * then: a stall of 60–75 ms on the test machine, against 16–19 ms with the baseline compiler,
 * which held back that moment's journal fsync. Writing rows into a throwaway database of the same
 * engine at start-up compiles them before the first real write; the caller's database is not
 * touched.
 */
import type { SqlJsStatic, SqlValue } from "sql.js";
import { CATALOG, fieldsOf, type FieldSpec } from "../catalog";
import { Store } from "./store";

/** A stored value of a field's kind (what a well-formed notification gives). */
function sampleValue(field: FieldSpec, row: number): SqlValue {
  switch (field.kind) {
    case "text":
      return `${field.name} ${row}`;
    case "boolean":
      return row % 2;
    case "raw-array":
      return `[${row}.0, 1.5]`;
    case "integer":
      return row;
    case "byte":
      return (row % 256).toString(16).padStart(2, "0");
    default:
      return row + 0.25;
  }
}

/**
 * Writes `rows` rows into every notification table of a new, throwaway database in `SQL`, in
 * transactions as the recorder commits them, then closes it: the engine's write paths are compiled
 * before the first real write.
 */
export function warmUp(SQL: SqlJsStatic, rows = 200): void {
  const store = Store.create(SQL, "warm-up");
  try {
    // two commits: the second inserts into tables that already hold rows, as every later one does
    for (let pass = 0; pass < 2; pass++) {
      store.transaction(() => {
        for (const cls of CATALOG) {
          const fields = fieldsOf(cls);
          for (let r = 0; r < rows; r++) store.notifications.insert(cls, ["warm-up", ...fields.map((f) => sampleValue(f, r))]);
        }
      });
    }
  } finally {
    store.close();
  }
}
