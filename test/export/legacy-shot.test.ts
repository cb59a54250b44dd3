process.env.TZ = "UTC";

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "sql.js";
import { RECORDINGS } from "../support/paths";
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

  const files = shotFiles(recording);
  it.runIf(files.length > 0).each(files)("%s matches pyDE1 byte for byte", (file) => {
    const expected = readFileSync(join(recordingDir(recording), "shots", file), "utf8");
    const ours = legacyShotFile(db, file.replace(/\.shot$/, ""));
    expect(ours).toBe(expected);
  });

  it.runIf(files.length === 0)("writes a file where pyDE1 crashes (no profile): empty title, same structure", () => {
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
