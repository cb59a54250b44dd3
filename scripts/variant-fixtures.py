#!/usr/bin/env python3
"""Writes a variant of ../shared: data of the same kind as the fixtures, with other values.

The tests must hold for any data of the kind ../shared holds, not only for its values. This
script copies ../shared to OUT and changes the copy (never the original; SQLite files are changed
only in OUT, with Python's sqlite3):

- every sequence id of every recording replaced by another random uuid (capture, manifest,
  expected tables, expected database, shot file names and contents);
- a recording more, `NAME-copy`: the shots recording (three-shots, or else the one with the most
  sequences that all name an uploaded profile) under another name;
- a recording more, `NAME-cut`: its capture cut before its last sequence's first notification.
  pyDE1 writes a sequence's rows only while it records it, so the truth is its rows without the
  last sequence's;
- `fixtures/live-wal` made anew from the old one: its first sequence in the main file, the second
  checkpointed into it, the others only in the -wal, which restarted over older frames, and a
  transaction still open at the copy (its spilled pages are frames with no commit); with two
  sequences, the second only in the -wal, and the open transaction;
- one reference profile left out of `data/profiles` (its file and its SOURCES.md row);
- with --other-names, the three recordings the shared README names renamed, so that tests must
  find a recording by what it holds, not by its name.

Use: python3 scripts/variant-fixtures.py OUT/shared, then run the tests in a clone beside it:
    git clone -q . OUT/main && cd OUT/main && npm install && npm test
"""
import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import stat
import uuid

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def writable(root: str, on: bool) -> None:
    """Makes every file and folder under root writable by its owner, or read-only for all."""
    for base, dirs, files in os.walk(root):
        for name in [base] + [os.path.join(base, f) for f in files]:
            mode = os.stat(name).st_mode
            os.chmod(name, mode | stat.S_IWUSR if on else mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


class Ids:
    """Old sequence id → new random uuid, the same new id wherever the old one appears."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.new: dict[str, str] = {}

    def sub(self, m: re.Match) -> str:
        old = m.group(0)
        if old not in self.new:
            self.new[old] = str(uuid.UUID(int=self.rnd.getrandbits(128), version=4))
        return self.new[old]

    def text_files(self, folder: str) -> None:
        for base, _, files in os.walk(folder):
            for f in files:
                if f.endswith((".ndjson", ".json", ".shot")):
                    p = os.path.join(base, f)
                    with open(p, "rb") as fh:
                        text = fh.read().decode("utf-8")
                    with open(p, "wb") as fh:
                        fh.write(UUID.sub(self.sub, text).encode("utf-8"))

    def database(self, path: str) -> None:
        con = sqlite3.connect(path)
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for col in (r[1] for r in con.execute(f'PRAGMA table_info("{table}")').fetchall()):
                if col in ("id", "sequence_id"):
                    for old, new in self.new.items():
                        con.execute(f'UPDATE "{table}" SET "{col}" = ? WHERE "{col}" = ?', (new, old))
        con.commit()
        con.close()


def sequence_tables(con: sqlite3.Connection) -> list[str]:
    """The tables with a sequence_id column (every notification table)."""
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
    return [t for t in names if any(r[1] == "sequence_id" for r in con.execute(f'PRAGMA table_info("{t}")').fetchall())]


def shots_recording(rec: str) -> str:
    """three-shots, or else the recording with the most sequences (two or more) that all name an uploaded profile."""
    names = sorted(os.listdir(rec))
    if "three-shots" in names:
        return "three-shots"
    best = None
    for name in names:
        with open(os.path.join(rec, name, "manifest.json")) as fh:
            m = json.load(fh)
        seqs = list(m["sequences"].values())
        if m["profiles"] and len(seqs) >= 2 and all(s.get("profile_id") for s in seqs):
            if best is None or len(seqs) > best[1]:
                best = (name, len(seqs))
    if best is None:
        raise SystemExit(f"{rec}: no recording with two or more sequences naming an uploaded profile")
    return best[0]


def unused_name(folder: str, name: str) -> str:
    """`name`, or `name-2`, `name-3` … if `folder` already holds it."""
    n, candidate = 1, name
    while os.path.exists(os.path.join(folder, candidate)):
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def remap_recordings(rec: str, ids: Ids) -> None:
    for name in sorted(os.listdir(rec)):
        folder = os.path.join(rec, name)
        ids.text_files(folder)
        shots = os.path.join(folder, "shots")
        for f in os.listdir(shots) if os.path.isdir(shots) else []:
            if f[:-5] in ids.new:
                os.rename(os.path.join(shots, f), os.path.join(shots, ids.new[f[:-5]] + ".shot"))
    for name in sorted(os.listdir(rec)):
        ids.database(os.path.join(rec, name, "expected.sqlite3"))


def cut_last_sequence(src: str, dst: str) -> str:
    """`dst` = the recording `src` without its last sequence (see the module's doc); returns its id."""
    shutil.copytree(src, dst)
    with open(os.path.join(src, "manifest.json")) as fh:
        manifest = json.load(fh)
    last = list(manifest["sequences"])[-1]
    with open(os.path.join(src, "capture.ndjson"), "rb") as fh:
        lines = fh.read().split(b"\n")
    cut = next(i for i, line in enumerate(lines) if last.encode() in line)
    with open(os.path.join(dst, "capture.ndjson"), "wb") as fh:
        fh.write(b"\n".join(lines[:cut]) + b"\n")
    del manifest["sequences"][last]
    with open(os.path.join(dst, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=2)
    shot = os.path.join(dst, "shots", last + ".shot")
    if os.path.exists(shot):
        os.remove(shot)
    with open(os.path.join(src, "expected.tables.json")) as fh:
        tables = json.load(fh)
    for table in tables["tables"].values():
        table["rows"] = [r for r in table["rows"] if not any(k in ("id", "sequence_id") and v[1] == last for k, v in r.items())]
    with open(os.path.join(dst, "expected.tables.json"), "w") as fh:
        json.dump(tables, fh, indent=1)
    con = sqlite3.connect(os.path.join(dst, "expected.sqlite3"))
    for table in sequence_tables(con):
        con.execute(f'DELETE FROM "{table}" WHERE sequence_id = ?', (last,))
    con.execute("DELETE FROM sequence WHERE id = ?", (last,))
    con.commit()
    con.close()
    return last


def live_wal(folder: str, ids: Ids, work: str) -> None:
    """Rewrites `folder`'s pyde1.sqlite3 and its -wal as the module's doc says."""
    full = os.path.join(work, "full.sqlite3")
    shutil.copy(os.path.join(folder, "pyde1.sqlite3"), full)
    shutil.copy(os.path.join(folder, "pyde1.sqlite3-wal"), full + "-wal")
    con = sqlite3.connect(full)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    ids.database(full)
    con = sqlite3.connect(full)
    seqs = [r[0] for r in con.execute("SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence")]
    if len(seqs) < 2:
        raise SystemExit(f"{folder}: the live-wal variant needs two sequences, found {len(seqs)}")
    tables = sequence_tables(con)
    rows = {s: {t: con.execute(f'SELECT * FROM "{t}" WHERE sequence_id = ?', (s,)).fetchall() for t in tables} for s in seqs[1:]}
    for s in seqs[1:]:
        rows[s]["sequence"] = con.execute("SELECT * FROM sequence WHERE id = ?", (s,)).fetchall()
    con.close()

    live_path = os.path.join(work, "live.sqlite3")
    shutil.copy(full, live_path)
    live = sqlite3.connect(live_path, isolation_level=None)
    live.execute("PRAGMA journal_mode = WAL")
    live.execute("PRAGMA wal_autocheckpoint = 0")

    def write(s: str, order: list[str]) -> None:
        for t in order:
            for row in rows[s][t]:
                live.execute(f'INSERT INTO "{t}" VALUES ({",".join("?" * len(row))})', row)

    live.execute("BEGIN")
    for s in seqs[1:]:
        for t in tables:
            live.execute(f'DELETE FROM "{t}" WHERE sequence_id = ?', (s,))
        live.execute("DELETE FROM sequence WHERE id = ?", (s,))
    live.execute("COMMIT")
    live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for s in seqs[1:]:
        live.execute("BEGIN")
        write(s, ["sequence"] + tables)
        live.execute("COMMIT")
        if s == seqs[1] and len(seqs) > 2:
            live.execute("PRAGMA wal_checkpoint(PASSIVE)")  # the next write restarts the WAL
    live.execute("PRAGMA cache_size = 5")  # so an open transaction spills pages into the WAL
    live.execute("BEGIN")
    write(seqs[-1], tables)
    shutil.copy(live_path, os.path.join(folder, "pyde1.sqlite3"))
    shutil.copy(live_path + "-wal", os.path.join(folder, "pyde1.sqlite3-wal"))
    live.execute("ROLLBACK")
    live.close()


def drop_profile(folder: str) -> str:
    """Leaves the first profile of SOURCES.md's table out of `folder`; returns its file name."""
    with open(os.path.join(folder, "SOURCES.md")) as fh:
        lines = fh.readlines()
    row = next(line for line in lines if re.match(r"^\| \S+\.json \| [0-9a-f]{40} \|", line))
    name = row.split("|")[1].strip()
    os.remove(os.path.join(folder, name))
    with open(os.path.join(folder, "SOURCES.md"), "w") as fh:
        fh.writelines(line for line in lines if line is not row)
    return name


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="the variant's folder (made anew; e.g. /tmp/variant/shared)")
    parser.add_argument("--from", dest="src", default=os.path.join(here, "..", "..", "shared"), help="the shared folder to copy (default ../shared)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the new sequence ids (default 7)")
    parser.add_argument("--other-names", action="store_true", help="rename three-shots, assumed and no-profile too")
    args = parser.parse_args()
    src, out = os.path.abspath(args.src), os.path.abspath(args.out)
    if os.path.commonpath([src, out]) in (src, out):
        raise SystemExit(f"{out}: the variant must be outside {src}, and not hold it")
    if os.path.exists(out):
        writable(out, True)
        shutil.rmtree(out)
    shutil.copytree(src, out)
    writable(out, True)
    ids = Ids(args.seed)
    rec = os.path.join(out, "fixtures", "recordings")
    remap_recordings(rec, ids)
    shots = shots_recording(rec)
    copy, cut = unused_name(rec, shots + "-copy"), unused_name(rec, shots + "-cut")
    shutil.copytree(os.path.join(rec, shots), os.path.join(rec, copy))
    last = cut_last_sequence(os.path.join(rec, shots), os.path.join(rec, cut))
    work = os.path.join(os.path.dirname(out), ".variant-work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        live_wal(os.path.join(out, "fixtures", "live-wal"), ids, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    dropped = drop_profile(os.path.join(out, "data", "profiles"))
    if args.other_names:
        for old in ("three-shots", "assumed", "no-profile"):
            if os.path.isdir(os.path.join(rec, old)):
                os.rename(os.path.join(rec, old), os.path.join(rec, old + "-renamed"))
    writable(out, False)
    print(f"{out}: {len(ids.new)} sequence ids replaced; recordings {copy} and {cut} (without {last}) added;")
    print(f"live-wal rebuilt (main file, checkpoint, restarted -wal, an open transaction); {dropped} left out"
          + ("; the named recordings renamed" if args.other_names else ""))


if __name__ == "__main__":
    main()
