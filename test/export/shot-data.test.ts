import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSequence, readShotSamples } from "../../src/export/shot-data";
import { sqlite3 } from "../support/cli";
import { scratch, SHOTS_RECORDING } from "../support/paths";
import { openRecording } from "./fixture-db";
import { espressoIds } from "./queries";

describe("readShotSamples", () => {
  it("orders samples as SQLite's ORDER BY de1_time does, ties included (checked with the sqlite3 CLI)", async () => {
    const db = await openRecording(SHOTS_RECORDING);
    const id = espressoIds(db)[1];
    const { start_flow: from, end_flow: to } = readSequence(db, id);
    // de1_time out of rowid order with many ties inside the flow window; frame_number marks each row
    db.run(
      "UPDATE shot_sample_with_volume_update SET frame_number = rowid, " +
        "de1_time = ? + ((rowid * 7) % 13) * (? - ?) / 20 WHERE sequence_id = ?",
      [from, to, from, id],
    );
    const file = join(scratch(), "ties.sqlite3");
    writeFileSync(file, db.export());
    const ours = readShotSamples(db, id, from!, to!).map((s) => s.frameNumber);
    const sqlite = sqlite3(
      file,
      `SELECT frame_number FROM shot_sample_with_volume_update WHERE sequence_id = '${id}' ` +
        `AND de1_time BETWEEN ${from} AND ${to} ORDER BY de1_time`,
    )
      .split("\n")
      .map(Number);
    expect(ours).not.toEqual([...ours].sort((a, b) => a! - b!)); // not in rowid order: the sort matters
    expect(ours.length).toBeGreaterThan(100);
    expect(ours).toEqual(sqlite);
    db.close();
  });
});
