/**
 * A recording fixture read for comparison: its manifest, capture and the tables pyDE1 wrote, a
 * store prepared as pyDE1's was before the shots (profiles uploaded), and the comparisons the
 * recorder's tests make (notification tables row for row with storage classes, sequence rows,
 * persist_hkv).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { NOTIFICATION_TABLES, SEQUENCE_RESOURCES } from "../../src/catalog";
import { loadSqlJs } from "../../src/store/sqljs";
import { Store } from "../../src/store/store";
import { Recorder } from "../../src/recorder/recorder";
import { readCapture } from "../../src/ingest/capture";
import { FIXTURES } from "../support/paths";

/** A stored value as expected.tables.json writes it: [storage class, value]. */
export type Cell = [string, unknown];
/** A table as expected.tables.json writes it. */
export interface Table {
  columns: string[];
  rows: Record<string, Cell>[];
}

/** One recording folder's files. */
export interface Recording {
  name: string;
  dir: string;
  manifest: { topic_root: string; profiles: { source: string; when: number }[]; sequences: Record<string, Record<string, string | null>> };
  capture: Buffer;
  tables: Record<string, Table>;
}

/** Reads a recording folder (from the shared fixtures, or from another `fixtures` folder of their layout). */
export function readRecording(name: string, fixtures = FIXTURES): Recording {
  const dir = join(fixtures, "recordings", name);
  return {
    name,
    dir,
    manifest: JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")),
    capture: readFileSync(join(dir, "capture.ndjson")),
    tables: JSON.parse(readFileSync(join(dir, "expected.tables.json"), "utf8")).tables,
  };
}

/** A new store with the recording's profiles uploaded as pyDE1 had them before the shots. */
export async function prepareStore(rec: Recording): Promise<Store> {
  const store = Store.create(await loadSqlJs());
  const hex = (s: string) => Buffer.from(s, "utf8").toString("hex");
  for (const p of rec.manifest.profiles) {
    const row = rec.tables.profile.rows.find((r) => r.source[1] === hex(p.source));
    if (!row) throw new Error(`${rec.name}: no expected profile row for an uploaded source`);
    const v = (c: string) => row[c][1] as string | null;
    store.profiles.insert({
      id: v("id")!,
      source: Buffer.from(p.source, "utf8"),
      source_format: v("source_format")!,
      fingerprint: v("fingerprint")!,
      date_added: p.when,
      title: v("title"),
      author: v("author"),
      notes: v("notes"),
      beverage_type: v("beverage_type"),
    });
    store.hkv.setLastProfile(v("id")!, p.when);
  }
  return store;
}

/** A table's rows read back as expected.tables.json writes them (storage class and value). */
export function readTable(store: Store, table: string, columns: string[]): Record<string, Cell>[] {
  const sel = columns.map((c) => `typeof("${c}"), "${c}"`).join(", ");
  const r = store.db.exec(`SELECT ${sel} FROM "${table}" ORDER BY rowid`)[0];
  return (r?.values ?? []).map((vals) => {
    const row: Record<string, Cell> = {};
    columns.forEach((c, k) => {
      const v = vals[2 * k + 1];
      row[c] = [String(vals[2 * k]), v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v];
    });
    return row;
  });
}

/** The comparisons the recorder must pass for a recording (vitest expectations). */
export function expectMatches(store: Store, rec: Recording): void {
  for (const table of NOTIFICATION_TABLES) {
    const want = rec.tables[table];
    const got = readTable(store, table, want.columns);
    expect(got.length, `${rec.name}: ${table} row count`).toBe(want.rows.length);
    for (let k = 0; k < want.rows.length; k++) expect(got[k], `${rec.name}: ${table} row ${k + 1}`).toEqual(want.rows[k]);
  }
  const want = rec.tables.sequence;
  const got = readTable(store, "sequence", want.columns);
  expect(got.map((r) => r.id[1]), `${rec.name}: sequence ids`).toEqual(want.rows.map((r) => r.id[1]));
  const exact = ["id", "active_state", "profile_id", "profile_assumed", "start_flow", "end_flow", "end_sequence", ...SEQUENCE_RESOURCES.map((r) => r.column)];
  want.rows.forEach((w, k) => {
    const g = got[k];
    for (const c of exact) expect(g[c], `${rec.name}: sequence ${w.id[1]} ${c}`).toEqual(w[c]);
    expect(g.start_sequence[0]).toBe(w.start_sequence[0]);
    if (w.start_sequence[1] !== null) {
      expect(Math.abs((g.start_sequence[1] as number) - (w.start_sequence[1] as number)), `${rec.name}: ${w.id[1]} start_sequence`).toBeLessThanOrEqual(0.05);
    }
  });
  const hkv = rec.tables.persist_hkv;
  expect(readTable(store, "persist_hkv", hkv.columns), `${rec.name}: persist_hkv`).toEqual(hkv.rows);
}

/** The notification rows of some sequences only equal pyDE1's (rowid order, storage classes). */
export function expectSequenceRowsMatch(store: Store, rec: Recording, ids: string[]): void {
  for (const table of NOTIFICATION_TABLES) {
    const want = rec.tables[table];
    const pick = (rows: Record<string, Cell>[]) => rows.filter((r) => ids.includes(r.sequence_id[1] as string));
    expect(pick(readTable(store, table, want.columns)), `${rec.name}: ${table} of ${ids.join(", ")}`).toEqual(pick(want.rows));
  }
}

/**
 * Records a recording's whole capture into a store prepared as pyDE1's was, and checks what the
 * recorder fixtures promise: the tables equal pyDE1's, every sequence of the manifest closes
 * `complete` in order, and nothing is rejected.
 */
export async function expectRecordedAsPyde1(rec: Recording): Promise<void> {
  const store = await prepareStore(rec);
  const ended: string[] = [];
  const recorder = new Recorder(store, { topicRoot: rec.manifest.topic_root, onSequenceEnd: (s, why) => ended.push(`${s.id} ${why}`) });
  for (const event of readCapture(rec.capture)) recorder.handle(event);
  recorder.close();
  expectMatches(store, rec);
  const ids = Object.keys(rec.manifest.sequences);
  expect(ended, rec.name).toEqual(ids.map((id) => `${id} complete`));
  expect(recorder.stats.rejected, rec.name).toEqual({});
  expect(recorder.stats.sequences, rec.name).toBe(ids.length);
  store.close();
}
