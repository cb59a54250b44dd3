/**
 * The benchmarks' data (issue 8): generated deterministically, and realistic as the issue asks:
 * ~5 shot samples/s and ~10 scale updates/s while a shot runs, 30–90 s of flow, rows from before
 * each sequence started (pre-roll), and a database size per sequence near real pyDE1 files'
 * (~160 KB). Checked on what the recorder stores from scripts/bench/synthetic-capture.ts, as
 * scripts/bench/databases.ts records it for the large databases.
 */
import { describe, expect, it } from "vitest";
import { syntheticCapture } from "../../scripts/bench/synthetic-capture";
import { loadSqlJs } from "../../src/store/sqljs";
import { Store } from "../../src/store/store";
import { Recorder } from "../../src/recorder/recorder";
import { readCapture } from "../../src/ingest/capture";

const SHOTS = 20;

/** A new Store holding what the recorder stores from the capture of `seed`. */
async function recorded(seed: number): Promise<Store> {
  const store = Store.create(await loadSqlJs(), "synthetic");
  const recorder = new Recorder(store);
  for (const event of readCapture([...syntheticCapture({ shots: SHOTS, seed, flushes: true })].join("\n"))) recorder.handle(event);
  recorder.close("shutdown");
  return store;
}

/** The rows of a query as objects. */
function rows(store: Store, sql: string): Record<string, number | string>[] {
  const [result] = store.db.exec(sql);
  return (result?.values ?? []).map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i] as number | string])));
}

describe("the benchmarks' synthetic data", () => {
  it("is the same for the same seed, and differs between seeds", () => {
    const a = [...syntheticCapture({ shots: 3, seed: 5, flushes: true })];
    const b = [...syntheticCapture({ shots: 3, seed: 5, flushes: true })];
    const c = [...syntheticCapture({ shots: 3, seed: 6, flushes: true })];
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("records into the same database bytes twice", async () => {
    const first = await recorded(9);
    const second = await recorded(9);
    expect(Buffer.compare(Buffer.from(first.export()), Buffer.from(second.export()))).toBe(0);
  });

  it("has realistic shots: 30–90 s of flow, ~5 shot samples/s, ~10 scale updates/s, pre-roll, and a size per sequence near real files'", async () => {
    const store = await recorded(2);
    const shots = rows(
      store,
      `SELECT s.id, s.start_sequence, s.end_sequence, s.end_flow - s.start_flow AS flow,
         (SELECT count(*) FROM shot_sample_with_volume_update r WHERE r.sequence_id = s.id AND r.arrival_time BETWEEN s.start_sequence AND s.end_sequence) AS samples,
         (SELECT count(*) FROM weight_and_flow_update r WHERE r.sequence_id = s.id AND r.arrival_time BETWEEN s.start_sequence AND s.end_sequence) AS weights,
         (SELECT count(*) FROM shot_sample_with_volume_update r WHERE r.sequence_id = s.id AND r.arrival_time < s.start_sequence) AS preRoll
       FROM sequence s WHERE s.active_state = 'Espresso' ORDER BY s.start_sequence`,
    );
    expect(shots.length).toBe(SHOTS);
    for (const shot of shots) {
      const seconds = Number(shot.end_sequence) - Number(shot.start_sequence);
      expect(Number(shot.flow)).toBeGreaterThanOrEqual(30);
      expect(Number(shot.flow)).toBeLessThanOrEqual(90);
      expect(Number(shot.samples) / seconds).toBeGreaterThan(4);
      expect(Number(shot.samples) / seconds).toBeLessThan(6);
      expect(Number(shot.weights) / seconds).toBeGreaterThan(8);
      expect(Number(shot.weights) / seconds).toBeLessThan(12);
      expect(Number(shot.preRoll)).toBeGreaterThan(0);
    }
    const flushes = rows(store, "SELECT count(*) AS n FROM sequence WHERE active_state = 'HotWaterRinse'")[0].n;
    expect(Number(flushes)).toBeGreaterThan(0); // most shots are followed by a flush, as in real histories
    const sequences = Number(rows(store, "SELECT count(*) AS n FROM sequence WHERE id != 'dummy'")[0].n);
    const perSequence = store.export().length / sequences;
    expect(perSequence).toBeGreaterThan(100_000);
    expect(perSequence).toBeLessThan(260_000);
  });
});
