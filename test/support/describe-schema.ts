/** Reads a database's schema with PRAGMAs into the shape of ../shared/fixtures/schemas/schema-00N.json. */
import type { Database } from "sql.js";

/** One table as schema-00N.json describes it. */
export interface TableShape {
  columns: { name: string; type: string; notnull: boolean; default: unknown; pk: number }[];
  foreign_keys: { column: string; references_table: string; references_column: string }[];
  indexes: { name: string; unique: boolean; origin: string; columns: string[] }[];
}

const q = (db: Database, sql: string) => db.exec(sql)[0]?.values ?? [];

/** Every table's columns, foreign keys and indexes (indexes sorted by name). */
export function describeSchema(db: Database): Record<string, TableShape> {
  const out: Record<string, TableShape> = {};
  for (const [name] of q(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")) {
    const t = String(name);
    out[t] = {
      columns: q(db, `PRAGMA table_info(${t})`).map((r) => ({
        name: String(r[1]),
        type: String(r[2]),
        notnull: r[3] === 1,
        default: r[4],
        pk: Number(r[5]),
      })),
      foreign_keys: q(db, `PRAGMA foreign_key_list(${t})`).map((r) => ({
        column: String(r[3]),
        references_table: String(r[2]),
        references_column: String(r[4]),
      })),
      indexes: q(db, `PRAGMA index_list(${t})`)
        .map((r) => ({
          name: String(r[1]),
          unique: r[2] === 1,
          origin: String(r[3]),
          columns: q(db, `PRAGMA index_info(${String(r[1])})`).map((c) => String(c[2])),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
  return out;
}
