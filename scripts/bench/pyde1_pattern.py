"""pyDE1's write pattern, as a benchmark baseline: one INSERT and one COMMIT per notification
(aiosqlite does exactly this in pyDE1), on a WAL-mode file with the default synchronous setting.

Like pyDE1, rows are written only while a sequence is recording: from the `sequence_start` set gate
to the `sequence_complete` set gate, under that sequence's id (pyDE1's pre-roll and master row are
left out, which only makes this baseline a little faster). Every notification is parsed either way.
With --all-notifications every notification is inserted (the earlier, harsher baseline).

Usage: python3 pyde1_pattern.py SCHEMA.sql CATALOG.json CAPTURE.ndjson DB [--all-notifications]
CATALOG.json maps class name -> [table, [columns after sequence_id]] (written by the bench harness
from src/catalog.ts). Prints one JSON line: notifications, rows, seconds, rate.
"""
import json
import sqlite3
import sys
import time

schema_path, catalog_path, capture_path, db_path = sys.argv[1:5]
insert_all = "--all-notifications" in sys.argv[5:]
catalog = json.load(open(catalog_path))
t_start = time.perf_counter()
db = sqlite3.connect(db_path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.executescript(open(schema_path).read())
statements = {
    cls: (f"INSERT INTO {table} (sequence_id, {', '.join(cols)}) VALUES ({', '.join('?' * (len(cols) + 1))})", cols)
    for cls, (table, cols) in catalog.items()
}
count = 0
rows = 0
recording = None  # the id of the sequence being recorded
t_loop = time.perf_counter()
with open(capture_path) as f:
    for line in f:
        event = json.loads(line)
        if "topic" not in event:
            continue
        payload = json.loads(event["payload"])
        cls = payload.get("class")
        entry = statements.get(cls)
        if entry is None:
            continue
        count += 1
        stop = False
        if cls == "SequencerGateNotification" and payload.get("action") == "set":
            if payload.get("name") == "sequence_start":
                recording = payload.get("sequence_id")
            elif payload.get("name") == "sequence_complete":
                stop = True
        if recording is None and not insert_all:
            continue
        sql, cols = entry
        values = [recording or "bench"]
        for c in cols:
            v = payload.get(c)
            values.append(str(v) if isinstance(v, list) else v)
        db.execute("BEGIN")
        db.execute(sql, values)
        db.execute("COMMIT")
        rows += 1
        if stop:
            recording = None
t_end = time.perf_counter()
db.close()
print(json.dumps({"notifications": count, "rows": rows, "loop_seconds": t_end - t_loop,
                  "total_seconds": t_end - t_start, "rate": count / (t_end - t_loop)}))
