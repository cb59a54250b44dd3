process.env.TZ = "UTC";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "sql.js";
import { RECORDINGS } from "../support/paths";
import { openRecording } from "./fixture-db";
import { espressoIds, flowSamples } from "./queries";
import { CSV_COLUMNS, shotCsv } from "../../src/export/csv";
import { legacyShotFile } from "../../src/export/legacy-shot";
import { formatFixed } from "../../src/export/python-format";

/** The values of one `name {…}` series of a legacy shot file. */
function legacySeries(text: string, name: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith(`${name} {`))!;
  return line.slice(name.length + 2, -1).split(" ").filter((v) => v !== "");
}

describe.each(RECORDINGS)("CSV, recording %s", (recording) => {
  let db: Database;
  beforeAll(async () => {
    db = await openRecording(recording);
  });
  afterAll(() => db?.close());

  it("has a header and one row per flow-window sample, values as stored", () => {
    for (const id of espressoIds(db)) {
      const lines = shotCsv(db, id).split("\n");
      expect(lines.at(-1)).toBe("");
      lines.pop();
      expect(lines[0]).toBe(CSV_COLUMNS.join(","));
      expect(lines[0].startsWith("elapsed,pressure,flow,")).toBe(true);
      const rows = flowSamples(db, id);
      expect(lines).toHaveLength(rows.length + 1);
      const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
      for (const i of [0, Math.floor(rows.length / 3), rows.length - 1]) {
        const cells = lines[i + 1].split(",");
        const r = rows[i];
        expect(cells).toHaveLength(CSV_COLUMNS.length);
        expect(Number(cells[col("elapsed")])).toBeCloseTo(r.de1_time - r.start_flow, 3);
        expect(Number(cells[col("pressure")])).toBe(r.group_pressure);
        expect(Number(cells[col("flow")])).toBe(r.group_flow);
        expect(Number(cells[col("pressure_goal")])).toBe(r.set_group_pressure);
        expect(Number(cells[col("temperature_basket")])).toBe(r.head_temp);
        expect(Number(cells[col("temperature_mix_goal")])).toBe(r.set_mix_temp);
        expect(Number(cells[col("frame_number")])).toBe(r.frame_number);
        expect(Number(cells[col("volume_total")])).toBe(r.volume_total);
      }
    }
  });

  it("aligns scale values like the legacy shot file (the reading just before each sample)", () => {
    for (const id of espressoIds(db)) {
      const rows = shotCsv(db, id).trimEnd().split("\n").slice(1).map((l) => l.split(","));
      const legacy = legacyShotFile(db, id);
      const weight = CSV_COLUMNS.indexOf("weight");
      const weightFlow = CSV_COLUMNS.indexOf("weight_flow");
      expect(rows.map((c) => formatFixed(Number(c[weight]), 2))).toEqual(legacySeries(legacy, "espresso_weight"));
      expect(rows.map((c) => formatFixed(Number(c[weightFlow]), 2))).toEqual(legacySeries(legacy, "espresso_flow_weight"));
    }
  });
});
