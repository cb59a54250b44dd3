/**
 * Typed access to the 13 notification tables. Column lists and insert statements come from the
 * catalog; values arrive already converted by the recorder's stored-value rules.
 */
import type { Database, SqlValue, Statement } from "sql.js";
import { columnsOf, type NotificationClass } from "../catalog";

/** A notification row's values in table column order, `sequence_id` first. */
export type NotificationValues = SqlValue[];

/** Inserts into and reads from the notification tables. */
export class NotificationQueries {
  private readonly inserts = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    private readonly touch: () => void,
  ) {}

  /** Inserts one row of a class's table. `values` are in `columnsOf(cls)` order. */
  insert(cls: NotificationClass, values: NotificationValues): void {
    let st = this.inserts.get(cls.table);
    if (!st) {
      const cols = columnsOf(cls);
      st = this.db.prepare(`INSERT INTO ${cls.table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`);
      this.inserts.set(cls.table, st);
    }
    st.run(values);
    this.touch();
  }

  /** Rows of one sequence in a class's table, in rowid order, as objects. */
  forSequence(cls: NotificationClass, sequenceId: string): Record<string, SqlValue>[] {
    const st = this.db.prepare(`SELECT * FROM ${cls.table} WHERE sequence_id = ? ORDER BY rowid`);
    const rows: Record<string, SqlValue>[] = [];
    try {
      st.bind([sequenceId]);
      while (st.step()) rows.push(st.getAsObject());
    } finally {
      st.free();
    }
    return rows;
  }
}
