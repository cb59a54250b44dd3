import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { connectAsync } from "mqtt";
import initSqlJs, { type Database, type SqlValue } from "sql.js";
import { CATALOG, columnsOf, type NotificationClass } from "../../src/catalog";
import { Store } from "../../src/store/store";
import { applyWal } from "../../src/store/wal";
import { recordLive } from "../../src/ingest/run-live";
import { Mosquitto } from "../support/mosquitto";
import { FIXTURES, scratch, SHOTS_RECORDING } from "../support/paths";
import { cliAsync } from "../support/cli-async";
import { copyDatabase } from "../support/copy-db";

const FIXTURE = join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3");
/** Base columns that hold epoch times, and the class columns replay shifts (REAL `*_time`). */
const isTime = (cls: NotificationClass, column: string) =>
  ["arrival_time", "create_time", "event_time"].includes(column) ||
  cls.fields.some((f) => f.name === column && f.kind === "real" && column.endsWith("_time"));

interface Row {
  cls: NotificationClass;
  rowid: number;
  values: Record<string, SqlValue>;
}

/** A sequence's notification rows (all 13 tables), ordered by event_time, then catalog order, then rowid. */
function rowsOf(db: Database, id: string): Row[] {
  const rows: Row[] = [];
  for (const cls of CATALOG) {
    const st = db.prepare(`SELECT rowid AS r, ${columnsOf(cls).join(", ")} FROM ${cls.table} WHERE sequence_id = ? ORDER BY rowid`);
    st.bind([id]);
    while (st.step()) {
      const v = st.getAsObject() as Record<string, SqlValue>;
      rows.push({ cls, rowid: Number(v.r), values: v });
    }
    st.free();
  }
  const order = new Map(CATALOG.map((c, i) => [c.name, i]));
  return rows.sort(
    (a, b) => Number(a.values.event_time) - Number(b.values.event_time) || order.get(a.cls.name)! - order.get(b.cls.name)! || a.rowid - b.rowid,
  );
}

let broker: Mosquitto;
let original: Database;
let dbFile: string;
let ids: string[];

beforeAll(async () => {
  broker = await Mosquitto.start();
  const SQL = await initSqlJs();
  original = new SQL.Database(applyWal(readFileSync(FIXTURE)).bytes);
  ids = original.exec("SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence")[0].values.map((r) => String(r[0]));
  dbFile = copyDatabase(FIXTURE, scratch());
  chmodSync(dbFile, 0o644);
}, 30_000);
afterAll(async () => {
  original?.close();
  await broker?.stop();
});

describe("replay", () => {
  it("publishes every row of the sequence, in event_time order, fields as stored, every time shifted by one offset", async () => {
    const id = ids[1];
    const sub = await connectAsync(broker.url, { reconnectPeriod: 0 });
    const got: { topic: string; text: string; at: number }[] = [];
    sub.on("message", (topic, payload) => got.push({ topic, text: payload.toString("utf8"), at: Date.now() }));
    await sub.subscribeAsync("rp/#", { qos: 0 });
    const startedAt = Date.now() / 1000;
    const r = await cliAsync(["replay", "--db", dbFile, "--sequence", id, "--broker", broker.url, "--topic-root", "rp", "--speed", "0"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = rowsOf(original, id);
    const deadline = Date.now() + 10_000;
    while (got.length < rows.length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    await sub.endAsync();
    expect(r.stdout).toContain(`replayed ${rows.length} notifications of ${id}`);
    expect(got).toHaveLength(rows.length);
    expect(new Set(rows.map((x) => x.cls.table)).size).toBeGreaterThanOrEqual(10);

    const shift = JSON.parse(got[0].text).shifted as number;
    expect(typeof shift).toBe("number");
    expect(Math.abs(Number(rows[0].values.event_time) + shift - startedAt)).toBeLessThan(10);
    rows.forEach((row, i) => {
      const { topic, text } = got[i];
      const payload = JSON.parse(text) as Record<string, unknown>;
      expect(topic).toBe(`rp/${row.cls.name}`);
      const own = row.cls.fields.map((f) => f.name);
      if (row.cls.name === "SequencerGateNotification") own.splice(own.indexOf("active_state"), 0, "sequence_id");
      expect(Object.keys(payload)).toEqual(["arrival_time", "create_time", "event_time", "sender", "version", "class", ...own, "shifted"]);
      expect(payload.class).toBe(row.cls.name);
      expect(payload.shifted).toBe(shift);
      for (const column of [...columnsOf(row.cls).filter((c) => c !== "sequence_id"), ...(own.includes("sequence_id") ? ["sequence_id"] : [])]) {
        const stored = row.values[column];
        const field = row.cls.fields.find((f) => f.name === column);
        if (isTime(row.cls, column)) expect(payload[column], column).toBe(Number(stored) + shift);
        else if (field?.kind === "raw-array") expect(text).toContain(`"${column}": ${String(stored)}`);
        else if (field?.kind === "boolean") expect(payload[column]).toBe(stored === "1" || stored === 1);
        else expect(payload[column], column).toBe(stored);
      }
    });
    // event_time order across tables
    const times = got.map((m) => JSON.parse(m.text).event_time as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  }, 60_000);

  it("--speed paces messages as recorded, X times faster", async () => {
    const id = ids[0];
    const rows = rowsOf(original, id);
    const span = Number(rows[rows.length - 1].values.event_time) - Number(rows[0].values.event_time);
    const speed = 20;
    const sub = await connectAsync(broker.url, { reconnectPeriod: 0 });
    const at: number[] = [];
    sub.on("message", () => at.push(Date.now()));
    await sub.subscribeAsync("pace/#");
    const r = await cliAsync(["replay", "--db", dbFile, "--sequence", id, "--broker", broker.url, "--topic-root", "pace", "--speed", String(speed)]);
    expect(r.code).toBe(0);
    await new Promise((res) => setTimeout(res, 300));
    await sub.endAsync();
    expect(at).toHaveLength(rows.length);
    const took = (at[at.length - 1] - at[0]) / 1000;
    expect(took).toBeGreaterThan((span / speed) * 0.8);
    expect(took).toBeLessThan(span / speed + 3);
  }, 60_000);

  it("an unknown sequence and an unreachable broker fail with one line", async () => {
    const unknown = await cliAsync(["replay", "--db", dbFile, "--sequence", "nope", "--broker", broker.url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/sequence 'nope' is not in this database/);
    const down = await cliAsync(["replay", "--db", dbFile, "--sequence", "latest", "--broker", "mqtt://127.0.0.1:9"]);
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split("\n")).toHaveLength(1);
    expect(down.stderr).toMatch(/mqtt:\/\/127\.0\.0\.1:9: cannot connect to the MQTT broker/);
  });

  it("round trip: our recorder records a replayed sequence as the same rows, times shifted", async () => {
    const id = ids[1];
    const SQL = await initSqlJs();
    const store = Store.create(SQL);
    const ended: string[] = [];
    const live = recordLive(store, { broker: broker.url, topicRoot: "rt", onSequenceEnd: (s) => ended.push(s.id) });
    try {
      const ready = Date.now() + 10_000;
      while (live.feedState !== "connected" && Date.now() < ready) await new Promise((res) => setTimeout(res, 50));
      expect(live.feedState).toBe("connected");
      const r = await cliAsync(["replay", "--db", dbFile, "--sequence", id, "--broker", broker.url, "--topic-root", "rt", "--speed", "0"]);
      expect(r.code).toBe(0);
      const done = Date.now() + 15_000;
      while (!ended.includes(id) && Date.now() < done) await new Promise((res) => setTimeout(res, 50));
      expect(ended).toContain(id);
      live.flush();
    } finally {
      await live.stop();
    }
    const want = rowsOf(original, id);
    const have = rowsOf(store.db, id);
    expect(have.length).toBe(want.length);
    const shift = Number(have[0].values.event_time) - Number(want[0].values.event_time);
    expect(Math.abs(shift)).toBeGreaterThan(1e6); // shifted to now, years later
    have.forEach((row, i) => {
      const w = want[i];
      expect(row.cls.table).toBe(w.cls.table);
      for (const column of columnsOf(row.cls)) {
        if (isTime(row.cls, column)) expect(Number(row.values[column]) - shift, `${row.cls.table}.${column}`).toBeCloseTo(Number(w.values[column]), 5);
        else expect(row.values[column], `${row.cls.table}.${column}`).toEqual(w.values[column]);
      }
    });
    const master = (db: Database) => db.exec("SELECT active_state, start_sequence, start_flow, end_flow, end_sequence FROM sequence WHERE id = ?", [id])[0].values[0];
    const [state, ...times] = master(store.db);
    const [wantState, ...wantTimes] = master(original);
    expect(state).toBe(wantState);
    times.forEach((t, i) => expect(Number(t) - shift).toBeCloseTo(Number(wantTimes[i]), 2));
    store.close();
  }, 60_000);
});
