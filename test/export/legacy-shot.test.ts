process.env.TZ = "UTC";

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "sql.js";
import { RECORDINGS, SHOTS_RECORDING } from "../support/paths";
import { openRecording, recordingDir } from "./fixture-db";
import { legacyShotFile } from "../../src/export/legacy-shot";
import { latestEspressoId } from "../../src/export/shot-data";

/** The `shots/ID.shot` files of a recording (none when pyDE1 could not write one). */
function shotFiles(recording: string): string[] {
  const dir = join(recordingDir(recording), "shots");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".shot")).sort() : [];
}

describe.each(RECORDINGS)("legacy shot file, recording %s", (recording) => {
  let db: Database;
  beforeAll(async () => {
    db = await openRecording(recording);
  });
  afterAll(() => db?.close());

  // Tests are generated only for what this recording has: its .shot files, or (where pyDE1 crashed
  // and wrote none) the structure check. Nothing is registered and then skipped.
  const files = shotFiles(recording);
  for (const file of files) {
    it(`${file} matches pyDE1 byte for byte`, () => {
      const expected = readFileSync(join(recordingDir(recording), "shots", file), "utf8");
      const ours = legacyShotFile(db, file.replace(/\.shot$/, ""));
      expect(ours).toBe(expected);
    });
  }

  if (files.length === 0) it("writes a file where pyDE1 crashes (no profile): empty title, same structure", () => {
    const id = latestEspressoId(db);
    const ours = legacyShotFile(db, id);
    const names = ours.split("\n").filter((l) => /^[a-zA-Z_]+ /.test(l)).map((l) => l.split(" ")[0]);
    expect(names).toEqual([
      "sequence_id", "clock", "local_time", "espresso_elapsed", "espresso_pressure", "espresso_flow",
      "espresso_temperature_basket", "espresso_temperature_mix", "WARNING", "espresso_water_dispensed",
      "espresso_temperature_goal", "espresso_pressure_goal", "espresso_flow_goal", "espresso_frame_number",
      "espresso_state_change", "espresso_resistance", "espresso_weight", "espresso_flow_weight", "settings", "profile",
    ]);
    expect(ours).toContain("\n\tprofile_title {}\n");
    expect(ours).toContain("\n\tbeverage_type {}\n");
    expect(ours).toMatch(/\nprofile \{\n  "id": "dummy",\n[\s\S]*\n  "title": null,\n[\s\S]*\n\}\n$/);
    const count = (name: string) => ours.split("\n").find((l) => l.startsWith(`${name} `))!.split(" ").length - 1;
    expect(count("espresso_pressure")).toBe(count("espresso_elapsed"));
    expect(count("espresso_weight")).toBe(count("espresso_elapsed"));
  });
});

describe("legacy shot file, Python formatting on real rows", () => {
  it("rounds exact ties to even and writes titles raw in settings, escaped in the profile JSON", async () => {
    const db = await openRecording(SHOTS_RECORDING);
    const id = latestEspressoId(db);
    const [[first]] = db.exec(
      "SELECT min(de1_time) FROM shot_sample_with_volume_update WHERE sequence_id = ? AND de1_time >= (SELECT start_flow FROM sequence WHERE id = ?)",
      [id, id],
    )[0].values as number[][];
    db.run("UPDATE shot_sample_with_volume_update SET group_pressure = 0.125, group_flow = 2.675, head_temp = 0.375 WHERE sequence_id = ? AND de1_time = ?", [id, first]);
    db.run("UPDATE profile SET title = ?, beverage_type = NULL WHERE id = (SELECT profile_id FROM sequence WHERE id = ?)", ["Gagné ☕ 😀", id]);
    const text = legacyShotFile(db, id);
    expect(text).toContain("\nespresso_pressure {0.12 ");
    expect(text).toContain("\nespresso_flow {2.67 ");
    expect(text).toContain("\nespresso_temperature_basket {0.38 ");
    expect(text).toContain("\n\tprofile_title {Gagné ☕ 😀}\n");
    expect(text).toContain("\n\tbeverage_type {}\n");
    expect(text).toContain('\n  "title": "Gagn\\u00e9 \\u2615 \\ud83d\\ude00",\n');
    expect(text).toContain('\n  "beverage_type": null\n}\n');
    db.close();
  });
});
