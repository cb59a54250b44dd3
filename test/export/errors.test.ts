process.env.TZ = "UTC";

import { beforeEach, describe, expect, it } from "vitest";
import { SHOTS_RECORDING } from "../support/paths";
import type { Database } from "sql.js";
import { openRecording } from "./fixture-db";
import { espressoIds } from "./queries";
import { legacyShotFile } from "../../src/export/legacy-shot";
import { jsonShotFile } from "../../src/export/json-shot";
import { shotCsv } from "../../src/export/csv";
import { latestEspressoId, resolveSequenceId } from "../../src/export/shot-data";
import { IncompleteSequenceError, NoEspressoSequenceError, SequenceNotFoundError } from "../../src/export/errors";

const exporters = { legacyShotFile, jsonShotFile, shotCsv };

describe("export errors and partial sequences", () => {
  let db: Database;
  beforeEach(async () => {
    db = await openRecording(SHOTS_RECORDING); // a fresh in-memory copy for each test
  });

  it.each(Object.entries(exporters))("%s: an unknown sequence is SequenceNotFoundError", (_name, exporter) => {
    expect(() => exporter(db, "no-such-sequence")).toThrow(SequenceNotFoundError);
    expect(() => exporter(db, "no-such-sequence")).toThrow(/no-such-sequence.*'latest'/);
  });

  it.each(Object.entries(exporters))("%s: a running sequence is IncompleteSequenceError, and exports with partial", (_name, exporter) => {
    const id = latestEspressoId(db);
    db.run("UPDATE sequence SET end_flow = NULL, end_sequence = NULL WHERE id = ?", [id]);
    let error: unknown;
    try {
      exporter(db, id);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IncompleteSequenceError);
    expect((error as IncompleteSequenceError).missing).toEqual(["end_flow", "end_sequence"]);
    expect((error as Error).message).toMatch(/partial: true/);
    const text = exporter(db, id, { partial: true });
    expect(text.length).toBeGreaterThan(1000);
  });

  it("partial takes every sample from start_flow on, and writes drink weight 0.0 without an end", () => {
    const id = latestEspressoId(db);
    const [[startFlow]] = db.exec("SELECT start_flow FROM sequence WHERE id = ?", [id])[0].values as number[][];
    const [[expected]] = db.exec(
      "SELECT count(*) FROM shot_sample_with_volume_update WHERE sequence_id = ? AND de1_time >= ?", [id, startFlow],
    )[0].values as number[][];
    db.run("UPDATE sequence SET end_flow = NULL, end_sequence = NULL WHERE id = ?", [id]);
    const legacy = legacyShotFile(db, id, { partial: true });
    const elapsed = legacy.split("\n").find((l) => l.startsWith("espresso_elapsed "))!;
    expect(elapsed.slice("espresso_elapsed {".length, -1).split(" ")).toHaveLength(expected);
    expect(legacy).toContain("\tdrink_weight 0.0\n");
    expect(shotCsv(db, id, { partial: true }).trimEnd().split("\n")).toHaveLength(expected + 1);
  });

  it("partial without start_flow starts at start_sequence", () => {
    const id = latestEspressoId(db);
    db.run("UPDATE sequence SET start_flow = NULL, end_flow = NULL, end_sequence = NULL WHERE id = ?", [id]);
    const [[start]] = db.exec("SELECT start_sequence FROM sequence WHERE id = ?", [id])[0].values as number[][];
    expect(legacyShotFile(db, id, { partial: true })).toContain(`\nclock ${Math.round(start)}\n`);
  });

  it("resolves latest to the newest espresso sequence by start_sequence", () => {
    const ids = espressoIds(db);
    expect(latestEspressoId(db)).toBe(ids.at(-1));
    expect(resolveSequenceId(db, "latest")).toBe(ids.at(-1));
    expect(resolveSequenceId(db, ids[0])).toBe(ids[0]);
    db.run("UPDATE sequence SET active_state = 'Steam' WHERE id = ?", [ids.at(-1)!]);
    expect(latestEspressoId(db)).toBe(ids.at(-2));
    db.run("UPDATE sequence SET active_state = 'HotWater'");
    expect(() => latestEspressoId(db)).toThrow(NoEspressoSequenceError);
  });
});
