/**
 * BlueDOTUpdate, the one recorded class the fixture recordings do not hold. pyDE1 2.0 publishes a
 * BlueDOT thermometer's reading with `temperature` and `high_alarm` as integers, `units` as the
 * unit's name and `alarm_byte` as the hex text of one byte ("00"), and its recorder inserts the
 * parsed payload as it is, so the INT column's affinity decides what is stored. Our recording of a
 * stream with such readings is compared, value and storage class, with what Python's sqlite3 stores
 * for the same payloads pyDE1's way (named parameters from the parsed dict), both read by the
 * sqlite3 CLI. (Our rows under the first shot; the readings also roll into the next shots'
 * pre-roll, as with every buffered class.)
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { beforeAll, describe, expect, it } from "vitest";
import { CLASS_BY_NAME } from "../../src/catalog";
import { replayMessages } from "../../src/export/replay";
import { readNotification } from "../../src/recorder/payload";
import { cli, sqlite3, type CliResult } from "../support/cli";
import { FIXTURES, scratch, SHOTS_RECORDING } from "../support/paths";

const CAPTURE = join(FIXTURES, "recordings", SHOTS_RECORDING, "capture.ndjson");
const COLUMNS = ["version", "sender", "arrival_time", "create_time", "event_time", "temperature", "high_alarm", "units", "alarm_byte", "name"];

/** A BlueDOTUpdate payload as pyDE1 2.0 writes it (its attributes in order, then version, event_time, sender, class). */
function bluedot(t: number, alarmByte: unknown, temperature: unknown = 93, units = "C"): string {
  return JSON.stringify({
    arrival_time: t,
    create_time: t + 0.0002,
    temperature,
    high_alarm: 100,
    units,
    alarm_byte: alarmByte,
    name: "BlueDOT",
    version: "1.0.0",
    event_time: t + 0.0011,
    sender: "BlueDOT",
    class: "BlueDOTUpdate",
  }).replace(/,"/g, ', "').replace(/":/g, '": ');
}

describe("BlueDOTUpdate (a thermometer's readings)", () => {
  const dir = scratch("pyde1-bluedot-");
  const lines = readFileSync(CAPTURE, "utf8").trimEnd().split("\n");
  // readings in the middle of the first shot: between its sequence_start set and its flow end
  const start = lines.findIndex((l) => l.includes('\\"name\\": \\"sequence_start\\", \\"action\\": \\"set\\"'));
  const end = lines.findIndex((l, k) => k > start && l.includes('\\"name\\": \\"sequence_flow_end\\", \\"action\\": \\"set\\"'));
  const at = Math.floor((start + end) / 2);
  const t = (JSON.parse(JSON.parse(lines[at]).payload) as { arrival_time: number }).arrival_time;
  const payloads = [bluedot(t, "00"), bluedot(t + 1, "1a", 94, "F"), bluedot(t + 2, "80"), bluedot(t + 3, "07", 95.5), bluedot(t + 4, null, null), bluedot(t + 5, 7)];
  const capture = join(dir, "capture.ndjson");
  writeFileSync(capture, [...lines.slice(0, at), ...payloads.map((p) => JSON.stringify({ topic: "pyDE1/BlueDOTUpdate", payload: p })), ...lines.slice(at)].join("\n") + "\n");

  const ours = join(dir, "ours.sqlite3");
  let recorded: CliResult;
  beforeAll(() => {
    recorded = cli(["record", "--db", ours, "--from-capture", capture]);
  });

  it("records every reading pyDE1 records, with the same values and storage classes", () => {
    expect(recorded.stderr).toContain("0 rejected");
    expect(recorded.code).toBe(0);

    // pyDE1's way, in Python: the parsed payload as named parameters, under the shot's id
    const id = sqlite3(ours, "SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence LIMIT 1");
    const theirs = join(dir, "pyde1.sqlite3");
    copyFileSync(join(FIXTURES, "schemas/pyde1-schema-003-as-shipped.sqlite3"), theirs);
    const py = spawnSync("python3", ["-c", `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = ${JSON.stringify(["sequence_id", ...COLUMNS])}
sql = "INSERT INTO bluedot_update (" + ", ".join(cols) + ") VALUES (" + ", ".join(":" + c for c in cols) + ")"
for line in sys.stdin:
    n = json.loads(line)
    n["sequence_id"] = sys.argv[2]
    db.execute(sql, n)
db.commit()
`, theirs, id], { input: payloads.join("\n") + "\n", encoding: "utf8" });
    expect(py.stderr).toBe("");

    const query = `SELECT ${["sequence_id", ...COLUMNS].map((c) => `typeof(${c}) || ':' || quote(${c})`).join(", ")} FROM bluedot_update WHERE sequence_id = '${id}' ORDER BY rowid`;
    const expected = sqlite3(theirs, query);
    expect(expected.split("\n")).toHaveLength(payloads.length);
    expect(expected).toContain("integer:0|"); // "00" became the integer 0, as pyDE1 stores it
    expect(expected).toContain("text:'1a'|");
    expect(sqlite3(ours, query)).toBe(expected);
    // and, like every buffered class, the last readings are the next shots' pre-roll
    expect(sqlite3(ours, "SELECT count(DISTINCT sequence_id), count(*) FROM bluedot_update")).toBe(`3|${3 * payloads.length}`);
  });

  it("replays the readings as pyDE1 2.0 sends them, and the recorder takes them back", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(ours));
    const id = String(db.exec("SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence LIMIT 1")[0].values[0][0]);
    const replayed = replayMessages(db, id, { now: 1_800_000_000 }).messages.filter((m) => m.topic === "pyDE1/BlueDOTUpdate");
    db.close();
    const objects = replayed.map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    // stored 0 / '1a' / 80 / 7 / NULL / 7: the byte as hex text again
    expect(objects.map((o) => o.alarm_byte)).toEqual(["00", "1a", "80", "07", null, "07"]);
    expect(objects.map((o) => [o.temperature, o.units])).toEqual([[93, "C"], [94, "F"], [93, "C"], [95.5, "C"], [null, "C"], [93, "C"]]);
    const cls = CLASS_BY_NAME.get("BlueDOTUpdate")!;
    expect(replayed.map((m) => readNotification(cls, m.payload).ok)).toEqual(payloads.map(() => true));
  });
});
