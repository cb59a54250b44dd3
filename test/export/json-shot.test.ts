process.env.TZ = "UTC";

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "sql.js";
import { RECORDINGS, SHARED } from "../support/paths";
import { openRecording } from "./fixture-db";
import { flowSamples, espressoIds } from "./queries";
import { jsonShotFile } from "../../src/export/json-shot";

type Obj = Record<string, any>;
// de1app's own JSON v2 shot file (the first `*.json` in ../shared/data/shots): the structure to match
const SHOTS = join(SHARED, "data/shots");
const sampleFile = readdirSync(SHOTS).filter((f) => f.endsWith(".json")).sort()[0]!;
const sample: Obj = JSON.parse(readFileSync(join(SHOTS, sampleFile), "utf8"));
const keys = (o: Obj) => Object.keys(o);

describe.each(RECORDINGS)("de1app JSON shot, recording %s", (recording) => {
  let db: Database;
  beforeAll(async () => {
    db = await openRecording(recording);
  });
  afterAll(() => db?.close());

  it("has the de1app sample's structure, one value per flow-window sample in every series", () => {
    for (const id of espressoIds(db)) {
      const shot: Obj = JSON.parse(jsonShotFile(db, id));
      expect(keys(shot)).toEqual(keys(sample));
      for (const group of ["pressure", "flow", "temperature", "totals", "resistance"]) {
        expect(keys(shot[group])).toEqual(keys(sample[group]));
      }
      expect(keys(shot.meta)).toEqual(keys(sample.meta));
      for (const group of ["bean", "shot", "grinder"]) expect(keys(shot.meta[group])).toEqual(keys(sample.meta[group]));
      expect(keys(shot.app)).toEqual(keys(sample.app));
      expect(shot.version).toBe("2");

      const rows = flowSamples(db, id);
      expect(rows.length).toBeGreaterThan(100);
      const series = [
        shot.elapsed, shot.state_change,
        ...["pressure", "flow", "temperature", "totals", "resistance"].flatMap((g) => Object.values(shot[g]) as unknown[][]),
      ];
      for (const s of series) expect(s).toHaveLength(rows.length);
      for (const s of series) for (const v of s) expect(typeof v).toBe("string");

      for (const i of [0, Math.floor(rows.length / 2), rows.length - 1]) {
        const r = rows[i];
        expect(Number(shot.pressure.pressure[i])).toBe(r.group_pressure);
        expect(Number(shot.flow.flow[i])).toBe(r.group_flow);
        expect(Number(shot.flow.goal[i])).toBe(r.set_group_flow);
        expect(Number(shot.temperature.basket[i])).toBe(r.head_temp);
        expect(Number(shot.temperature.mix[i])).toBe(r.mix_temp);
        expect(Number(shot.totals.water_dispensed[i])).toBe(r.volume_total / 10);
        expect(Number(shot.elapsed[i])).toBeCloseTo(r.de1_time - r.start_flow, 3);
      }
      expect(shot.clock).toBe(String(Math.round(rows[0].start_flow)));
      expect(shot.timestamp).toBe(shot.clock);
      expect(shot.app.data.pyde1.sequence_id).toBe(id);
    }
  });

  it("embeds the stored JSON v2 profile, or a stub for the dummy profile", () => {
    for (const id of espressoIds(db)) {
      const shot: Obj = JSON.parse(jsonShotFile(db, id));
      const [[title, source]] = db.exec(
        "SELECT p.title, p.source FROM sequence s JOIN profile p ON p.id = s.profile_id WHERE s.id = ?", [id],
      )[0].values as [string | null, Uint8Array | string][];
      if (title === null) {
        expect(shot.profile).toEqual({ title: "", author: "", notes: "", beverage_type: "", steps: [], version: "2" });
        expect(shot.app.data.settings.profile_title).toBe("");
      } else {
        const text = typeof source === "string" ? source : new TextDecoder().decode(source);
        expect(shot.profile).toEqual(JSON.parse(text));
        expect(shot.profile.title).toBe(title);
        expect(shot.app.data.settings.profile_title).toBe(title);
      }
    }
  });
});
