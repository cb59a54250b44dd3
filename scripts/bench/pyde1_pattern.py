"""pyDE1's write pattern, as a benchmark baseline: one INSERT and one COMMIT per notification
(aiosqlite does exactly this in pyDE1), on a WAL-mode file with the default synchronous setting.

Usage: python3 pyde1_pattern.py SCHEMA.sql CATALOG.json CAPTURE.ndjson DB [--report-only-inserts]
CATALOG.json maps class name -> [table, [columns after sequence_id]] (written by the bench harness
from src/catalog.ts). Prints one JSON line: notifications, seconds, rate.
"""
import json
import sqlite3
import sys
import time

schema_path, catalog_path, capture_path, db_path = sys.argv[1:5]
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
t_loop = time.perf_counter()
with open(capture_path) as f:
    for line in f:
        event = json.loads(line)
        if "topic" not in event:
            continue
        payload = json.loads(event["payload"])
        entry = statements.get(payload.get("class"))
        if entry is None:
            continue
        sql, cols = entry
        values = ["bench"]
        for c in cols:
            v = payload.get(c)
            values.append(str(v) if isinstance(v, list) else v)
        db.execute("BEGIN")
        db.execute(sql, values)
        db.execute("COMMIT")
        count += 1
t_end = time.perf_counter()
db.close()
print(json.dumps({"notifications": count, "loop_seconds": t_end - t_loop, "total_seconds": t_end - t_start,
                  "rate": count / (t_end - t_loop)}))
