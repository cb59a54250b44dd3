/**
 * Streams and table snapshots for durability tests: the synthetic capture's MQTT messages (what a
 * broker carries; pyDE1's HTTP answers left out), the database they give when recorded without
 * any fault (the reference), and a database file's tables as value tuples in rowid order.
 */
import { readFileSync } from "node:fs";
import { syntheticCapture, type SyntheticOptions } from "../../scripts/bench/synthetic-capture";
import { readCapture } from "../../src/ingest/capture";
import { recordCapture } from "../../src/ingest/run-capture";
import type { MessageEvent } from "../../src/recorder/events";
import { NOTIFICATION_TABLES } from "../../src/catalog";
import { loadSqlJs } from "../../src/store/sqljs";
import { Store } from "../../src/store/store";

/** The synthetic stream's MQTT messages, in order (payloads are text). */
export function syntheticMessages(options: SyntheticOptions): MessageEvent[] {
  const text = [...syntheticCapture(options)].join("\n");
  return [...readCapture(Buffer.from(text, "utf8"))].filter((e): e is MessageEvent => e.kind === "message");
}

/** A table's rows as JSON texts of their value tuples (blobs as hex), in rowid order. */
export type Tables = Record<string, string[]>;

/** The tables recorded rows go to: every notification table and `sequence`. */
export const RECORDED_TABLES = [...NOTIFICATION_TABLES, "sequence"];

const rowText = (row: unknown[]) => JSON.stringify(row.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v)));

/** Reads the recorded tables of an open store. */
export function storeTables(store: Store): Tables {
  const out: Tables = {};
  for (const t of RECORDED_TABLES) out[t] = (store.db.exec(`SELECT * FROM "${t}" ORDER BY rowid`)[0]?.values ?? []).map(rowText);
  return out;
}

/** Reads the recorded tables of a database file (with sql.js, so REAL values compare exactly). */
export async function fileTables(path: string): Promise<Tables> {
  const store = Store.open(await loadSqlJs(), readFileSync(path), { file: path, upgrade: false });
  try {
    return storeTables(store);
  } finally {
    store.close();
  }
}

/** What `messages` give when recorded in one go, without faults (the live recorder's reference). */
export async function referenceTables(messages: MessageEvent[]): Promise<Tables> {
  const store = Store.create(await loadSqlJs());
  const text = messages.map((m) => JSON.stringify({ topic: m.topic, payload: m.payload })).join("\n");
  await recordCapture(store, Buffer.from(text, "utf8"));
  const t = storeTables(store);
  store.close();
  return t;
}

/**
 * Notification table by table: where `got` is not a prefix of `want` (empty when every table is).
 * (`sequence` is left out: a sequence's row is filled in as its gates arrive, so an open one
 * differs from its final form.)
 */
export function notPrefix(got: Tables, want: Tables): string[] {
  const out: string[] = [];
  for (const t of NOTIFICATION_TABLES) {
    const g = got[t] ?? [];
    const w = want[t] ?? [];
    if (g.length > w.length) out.push(`${t}: ${g.length} rows, the reference has ${w.length}`);
    const k = g.findIndex((row, i) => row !== w[i]);
    if (k >= 0) out.push(`${t} row ${k + 1}: ${g[k]} where the reference has ${w[k]}`);
  }
  return out;
}
