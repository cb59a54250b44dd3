"""The legacy shot file in Python, as a benchmark baseline: the rows and columns our exporter reads
(src/export/shot-data.ts: the rows pyDE1 selects, and only the columns the file writes) and the
same formatting (Python's own '{:.2f}', json.dumps with indent=2, RFC 2822 local time), over the
same database. Written for the benchmark, not pyDE1's code.

Usage: python3 legacy_shot.py DB SEQUENCE_ID REPS OUT
Prints one JSON line: median ms of REPS runs (after 100 warm-ups, connection already open), bytes.
"""
import email.utils
import json
import sqlite3
import sys
import time

db_path, sequence_id, reps, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)


def two(x):
    return "{:.2f}".format(x if x is not None else 0)


def braced(items):
    return "{" + " ".join(items) + "}"


def legacy_shot_file(sid):
    seq = db.execute("SELECT id, profile_id, start_sequence, start_flow, end_flow, end_sequence FROM sequence WHERE id = ?",
                     (sid,)).fetchone()
    _, profile_id, _, start, end_flow, end_seq = seq
    samples = db.execute(
        "SELECT de1_time, group_pressure, group_flow, mix_temp, head_temp, set_mix_temp, set_head_temp, "
        "set_group_pressure, set_group_flow, frame_number, volume_total FROM shot_sample_with_volume_update "
        "WHERE sequence_id = ? AND de1_time BETWEEN ? AND ? ORDER BY de1_time", (sid, start, end_flow)).fetchall()
    weights = db.execute("SELECT current_weight, current_weight_time FROM weight_and_flow_update "
                         "WHERE sequence_id = ? AND current_weight_time BETWEEN ? AND ? ORDER BY current_weight_time",
                         (sid, start, end_seq)).fetchall()
    flows = db.execute("SELECT average_flow, average_flow_time FROM weight_and_flow_update "
                       "WHERE sequence_id = ? AND average_flow_time BETWEEN ? AND ? ORDER BY average_flow_time",
                       (sid, start, end_seq)).fetchall()
    drink = db.execute("SELECT max(median_weight) FROM weight_and_flow_update "
                       "WHERE sequence_id = ? AND median_weight_time BETWEEN ? AND ?", (sid, end_flow, end_seq)).fetchone()[0]
    prow = db.execute("SELECT id, source_format, fingerprint, date_added, title, author, notes, beverage_type "
                      "FROM profile WHERE id = ?", (profile_id,)).fetchone()

    lines = [f"sequence_id {sid}", f"clock {round(start)}",
             f"local_time {braced([email.utils.formatdate(start, localtime=True)])}"]

    def series(name, pick):
        lines.append(f"{name} {braced([pick(s) for s in samples])}")

    series("espresso_elapsed", lambda s: "{:.3f}".format(s[0] - start))
    series("espresso_pressure", lambda s: two(s[1]))
    series("espresso_flow", lambda s: two(s[2]))
    series("espresso_temperature_basket", lambda s: two(s[4]))
    series("espresso_temperature_mix", lambda s: two(s[3]))
    lines.append("WARNING {espresso_water_dispensed scaled by 10 for legacy compatibility}")
    series("espresso_water_dispensed", lambda s: two((s[10] or 0) / 10))
    series("espresso_temperature_goal", lambda s: two(s[5]))
    series("espresso_pressure_goal", lambda s: two(s[7]))
    series("espresso_flow_goal", lambda s: two(s[8]))
    series("espresso_frame_number", lambda s: str(int(s[9] or 0)))
    series("espresso_state_change", lambda s: "10000000" if int(s[9] or 0) % 2 else "-10000000")
    series("espresso_resistance", lambda s: two((s[1] or 0) / max(s[2] or 0, 0.0001) ** 2))

    def before(readings):
        last = len(readings) - 1
        if last < 1:
            return []
        out, cursor = [], 1
        for s in samples:
            while readings[cursor][1] < s[0] and cursor < last:
                cursor += 1
            out.append(readings[cursor - 1])
        return out

    lines.append(f"espresso_weight {braced([two(r[0]) for r in before(weights)])}")
    lines.append(f"espresso_flow_weight {braced([two(r[0]) for r in before(flows)])}")
    lines.append("settings {")
    lines.append(f"\tprofile_title {braced([(prow[4] if prow else None) or ''])}")
    lines.append(f"\tdrink_weight {'{:.1f}'.format(drink or 0)}")
    lines.append(f"\tbeverage_type {braced([(prow[7] if prow else None) or ''])}")
    lines.append("}")
    keys = ["id", "source_format", "fingerprint", "date_added", "title", "author", "notes", "beverage_type"]
    profile = dict(zip(keys, prow)) if prow else dict(zip(keys, [profile_id] + [None] * 7))
    lines.append(f"profile {json.dumps(profile, indent=2)}")
    return "\n".join(lines) + "\n"


text = ""
for _ in range(100):
    text = legacy_shot_file(sequence_id)
times = []
for _ in range(reps):
    t = time.perf_counter()
    text = legacy_shot_file(sequence_id)
    times.append((time.perf_counter() - t) * 1000)
open(out_path, "w").write(text)
times.sort()
m = len(times) // 2
print(json.dumps({"ms": times[m] if len(times) % 2 else (times[m - 1] + times[m]) / 2, "min": times[0],
                  "bytes": len(text.encode())}))
