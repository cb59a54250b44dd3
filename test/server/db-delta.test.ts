/**
 * `/db?since=ID`: after a shot, a page that holds snapshot ID gets only the blocks that changed,
 * and those blocks turn its bytes into exactly what `/db` serves now. Over a file that our recorder
 * (the CLI's `record`) saved again, over a WAL-mode file that sqlite3 writes into as pyDE1 does, and
 * over the recorder's own Store; gzipped to another computer; the whole file when the id is unknown
 * or deltas are off.
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { FileSource, StoreSource, startServer, type RunningServer } from "../../src/server";
import { blockHashes } from "../../src/server/snapshot-history";
import { applyBlockDelta, blockCount, blockRunsText, changedBlocks, readDeltaHeader, readHashList } from "../../src/store/block-delta";
import { readDatabaseFile } from "../../src/store/persist/file";
import { Store } from "../../src/store/store";
import { loadSqlJs } from "../../src/store/sqljs";
import { loadNodeSqlJs } from "../../src/store/persist/sqljs-node";
import { Recorder } from "../../src/recorder/recorder";
import { readCapture } from "../../src/ingest/capture";
import { syntheticCapture } from "../../scripts/bench/synthetic-capture";
import { sqlite3 } from "../support/cli";
import { rawRequest, type RawResponse } from "../support/raw-request";
import { recordSyntheticShots } from "../support/synthetic-shots";
import { scratch } from "../support/paths";

const work = scratch("pyde1-db-delta-");
const viewer = join(work, "viewer");

/** A GET of a full URL with headers; the body as it came (not unpacked). */
function get(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const u = new URL(url);
  return rawRequest(u.origin, u.pathname + u.search, "GET", headers);
}

/** Writes `bytes` to a file in the scratch folder, for the sqlite3 CLI; returns its path. */
function saved(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

/** Synthetic shots (the benchmarks' generator) recorded into `store`, starting at `start` (epoch s). */
function recordShots(store: Store, seed: number, shots: number, start: number): void {
  const recorder = new Recorder(store);
  for (const event of readCapture([...syntheticCapture({ shots, seed, start })].join("\n"))) recorder.handle(event);
  recorder.close("shutdown");
}

/** A file of eight synthetic shots (~1.5 MB), as our recorder saves it. */
async function baseFile(name: string): Promise<string> {
  const store = Store.create(await loadSqlJs(), name);
  recordShots(store, 11, 8, 1_700_000_000);
  const path = join(work, name);
  writeFileSync(path, store.export());
  store.close();
  return path;
}

/**
 * The page's side: `/db`, then after each change `/db?since=` the snapshot it holds. Checks that the
 * answer is a delta from that snapshot, small, and that it makes exactly the whole `/db` of now.
 */
async function followChanges(server: RunningServer, changes: (() => void | Promise<void>)[]): Promise<number[]> {
  const first = await get(`${server.url}db`);
  expect(first.headers["x-pyde1-delta"]).toBeUndefined();
  let held = new Uint8Array(first.body);
  let snapshot = String(first.headers["x-pyde1-snapshot"]);
  const sizes: number[] = [];
  for (const change of changes) {
    await change();
    const answer = await get(`${server.url}db?since=${snapshot}`);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/vnd.pyde1.delta");
    expect(answer.headers["x-pyde1-delta"]).toBe(snapshot);
    expect(answer.headers["content-disposition"]).toBeUndefined();
    const header = readDeltaHeader(answer.body);
    expect(header.base).toBe(snapshot);
    expect(header.snapshot).toBe(answer.headers["x-pyde1-snapshot"]);
    expect(header.snapshot).not.toBe(snapshot);
    held = new Uint8Array(applyBlockDelta(held, answer.body));
    const whole = await get(`${server.url}db`);
    expect(whole.headers["x-pyde1-snapshot"]).toBe(header.snapshot);
    expect(Buffer.compare(Buffer.from(held), whole.body)).toBe(0);
    expect(answer.body.length).toBeLessThan(whole.body.length / 4);
    sizes.push(answer.body.length);
    snapshot = header.snapshot;
  }
  return sizes;
}

describe("/db?since=ID: only the blocks that changed", () => {
  let server: RunningServer | null = null;
  afterAll(async () => {
    await server?.close();
  });

  it("over a file our recorder saves again after each shot (the CLI's record, an atomic rename)", async () => {
    const db = await baseFile("ours.sqlite3");
    server = await startServer({ source: await FileSource.open(db), port: 0, viewerDir: viewer, pollMs: 0 });
    const record = (seed: number, start: number) => () => recordSyntheticShots(db, seed, 1, start);
    const before = Number(sqlite3(db, "SELECT count(*) FROM sequence"));
    await followChanges(server, [record(21, 1_700_100_000), record(22, 1_700_200_000)]);
    expect(Number(sqlite3(db, "SELECT count(*) FROM sequence"))).toBe(before + 2);
    await server.close();
    server = null;
  });

  it("over a WAL-mode file that a running writer commits into, as pyDE1 records (its -wal applied)", async () => {
    const db = await baseFile("pyde1-like.sqlite3");
    sqlite3(db, "PRAGMA journal_mode = WAL");
    server = await startServer({ source: await FileSource.open(db), port: 0, viewerDir: viewer, pollMs: 0 });
    // Python's sqlite3, as pyDE1 writes: a shot's worth of rows and an update of an old row, each
    // committed; the process ends without closing, as a running pyDE1 would not have, so the
    // frames stay in the -wal (no checkpoint)
    const write = (n: number) => () => {
      const python = [
        "import os, sqlite3, sys",
        "c = sqlite3.connect(sys.argv[1])",
        "c.execute('PRAGMA wal_autocheckpoint = 0')",
        `c.executemany("INSERT INTO persist_hkv (header, key, value) VALUES ('test', ?, ?)", [('row ${n} %d' % i, 'x' * 200) for i in range(800)])`,
        "c.commit()",
        "c.execute('UPDATE sequence SET profile_assumed = 1 WHERE rowid = (SELECT min(rowid) FROM sequence)')",
        "c.commit()",
        "os._exit(0)",
      ].join("\n");
      const r = spawnSync("python3", ["-c", python, db], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(statSync(`${db}-wal`).size).toBeGreaterThan(0);
    };
    await followChanges(server, [write(1), write(2)]);
    expect(existsSync(`${db}-wal`)).toBe(true);
    const { bytes } = readDatabaseFile(db, true);
    const whole = await get(`${server.url}db`);
    expect(Buffer.compare(Buffer.from(bytes), whole.body)).toBe(0);
    await server.close();
    server = null;
  });

  it("over the recorder's own Store (serve --record, Node's engine as start runs it), gzipped to another computer", async () => {
    const store = Store.create(await loadNodeSqlJs(), "held");
    recordShots(store, 31, 8, 1_700_000_000);
    const source = new StoreSource("held", () => store);
    server = await startServer({ source, port: 0, viewerDir: viewer, pollMs: 0, gzipDb: "always" });
    const first = await get(`${server.url}db`, { "Accept-Encoding": "gzip" });
    expect(first.headers["content-encoding"]).toBe("gzip");
    const held = new Uint8Array(gunzipSync(first.body));
    const sequences = Number(sqlite3(saved("first.sqlite3", held), "SELECT count(*) FROM sequence"));
    const snapshot = source.snapshot();
    expect(Buffer.compare(Buffer.from(snapshot), Buffer.from(held))).toBe(0);
    recordShots(store, 32, 1, 1_700_100_000);
    // the server's snapshot is a copy that the recorder's writes never reach (not a view of the engine's bytes)
    expect(Buffer.compare(Buffer.from(snapshot), Buffer.from(held))).toBe(0);
    const answer = await get(`${server.url}db?since=${first.headers["x-pyde1-snapshot"]}`, { "Accept-Encoding": "gzip" });
    expect(answer.headers["content-encoding"]).toBe("gzip");
    const delta = gunzipSync(answer.body);
    expect(answer.headers["x-pyde1-bytes"]).toBe(String(delta.length));
    const made = applyBlockDelta(held, delta);
    expect(Buffer.compare(Buffer.from(made), Buffer.from(store.fileImage()))).toBe(0);
    const file = saved("made.sqlite3", made);
    expect(sqlite3(file, "PRAGMA integrity_check")).toBe("ok");
    expect(Number(sqlite3(file, "SELECT count(*) FROM sequence"))).toBe(sequences + 1);
    // the page already holds what is served now: an empty delta
    const none = await get(`${server.url}db?since=${answer.headers["x-pyde1-snapshot"]}`);
    expect(readDeltaHeader(none.body).blocks).toBe(0);
    await server.close();
    server = null;
    store.close();
  });

  it("hashes a snapshot 1 MB at a time with a turn of the event loop between: under start the recorder shares the process", async () => {
    const bytes = new Uint8Array(8 * 1024 * 1024 + 100).map((_, i) => (i * 2654435761) >>> 24);
    let turns = 0;
    let hashing = true;
    const turn = () => {
      if (!hashing) return;
      turns++;
      setImmediate(turn);
    };
    setImmediate(turn);
    const hashes = await blockHashes(bytes);
    hashing = false;
    expect(turns).toBeGreaterThanOrEqual(8);
    expect(hashes.length).toBe(blockCount(bytes.length, 4096) * 8);
    for (const b of [0, 1, 2047, 2048]) {
      const block = bytes.subarray(b * 4096, Math.min(bytes.length, (b + 1) * 4096));
      expect(hashes.subarray(b * 8, b * 8 + 8)).toEqual(createHash("sha1").update(block).digest().subarray(0, 8));
    }
  });

  it("/db/hashes and /db/blocks: a copy kept from an earlier server process gets only the blocks it lacks", async () => {
    const db = await baseFile("kept.sqlite3");
    let s = await startServer({ source: await FileSource.open(db), port: 0, viewerDir: viewer, pollMs: 0 });
    const keptBytes = new Uint8Array((await get(`${s.url}db`)).body);
    const keptId = String((await get(`${s.url}db`)).headers["x-pyde1-snapshot"]);
    const keptList = readHashList((await get(`${s.url}db/hashes?snapshot=${keptId}`)).body);
    expect(keptList.snapshot).toBe(keptId);
    expect(Buffer.from(keptList.hashes)).toEqual(await blockHashes(keptBytes));
    await s.close();
    // another process, and a shot recorded meanwhile
    recordSyntheticShots(db, 61, 1, 1_700_300_000);
    s = await startServer({ source: await FileSource.open(db), port: 0, viewerDir: viewer, pollMs: 0 });
    server = s;
    expect((await get(`${s.url}db/hashes?snapshot=${keptId}`)).status).toBe(404); // not one this process sent
    const now = readHashList((await get(`${s.url}db/hashes`)).body);
    const whole = await get(`${s.url}db`);
    expect(now.snapshot).toBe(whole.headers["x-pyde1-snapshot"]);
    expect(Buffer.from(now.hashes)).toEqual(await blockHashes(new Uint8Array(whole.body)));
    const blocks = changedBlocks(keptList, now);
    const asked = `${s.url}db/blocks?snapshot=${now.snapshot}&base=${keptId}&runs=${blockRunsText(blocks)}`;
    const answer = await get(asked);
    expect(answer.status).toBe(200);
    expect(answer.headers["x-pyde1-delta"]).toBe(keptId);
    expect(readDeltaHeader(answer.body).blocks).toBe(blocks.length);
    expect(answer.body.length).toBeLessThan(whole.body.length / 4);
    expect(Buffer.compare(Buffer.from(applyBlockDelta(keptBytes.slice(), answer.body)), whole.body)).toBe(0);
    // runs that are not runs: 400; a snapshot that is no longer the one served: 409
    expect((await get(`${s.url}db/blocks?snapshot=${now.snapshot}&base=${keptId}&runs=zzzzzz-1`)).status).toBe(400);
    expect((await get(`${s.url}db/blocks?snapshot=${now.snapshot}&base=${keptId}&runs=1+2`)).status).toBe(400);
    sqlite3(db, "INSERT INTO persist_hkv (header, key, value) VALUES ('test', 'later', 'x')");
    const stale = await get(asked);
    expect(stale.status).toBe(409);
    expect(stale.body.toString()).toMatch(/ask \/db\/hashes again/);
    await s.close();
    server = null;
  });

  it("sends the whole file for an unknown or forgotten snapshot, and when deltas are off", async () => {
    const db = await baseFile("whole.sqlite3");
    const source = await FileSource.open(db);
    server = await startServer({ source, port: 0, viewerDir: viewer, pollMs: 0 });
    const off = await startServer({ source: await FileSource.open(db), port: 0, viewerDir: viewer, pollMs: 0, deltaDb: false });
    try {
      const whole = await get(`${server.url}db`);
      const first = String(whole.headers["x-pyde1-snapshot"]);
      for (const since of ["nonsense", `${first}0`, "another-server-1"]) {
        const answer = await get(`${server.url}db?since=${since}`);
        expect(answer.headers["x-pyde1-delta"]).toBeUndefined();
        expect(answer.headers["content-type"]).toBe("application/vnd.sqlite3");
        expect(answer.headers["content-disposition"]).toMatch(/attachment/);
        expect(Buffer.compare(answer.body, whole.body)).toBe(0);
      }
      // five changes later the first snapshot is forgotten (four are kept): the whole file again
      for (let n = 0; n < 5; n++) {
        sqlite3(db, `INSERT INTO persist_hkv (header, key, value) VALUES ('test', 'k${n}', 'v')`);
        expect((await get(`${server.url}db`)).headers["x-pyde1-snapshot"]).not.toBe(first);
      }
      const late = await get(`${server.url}db?since=${first}`);
      expect(late.headers["x-pyde1-delta"]).toBeUndefined();
      expect(late.headers["content-type"]).toBe("application/vnd.sqlite3");
      const offFirst = await get(`${off.url}db`);
      const offAgain = await get(`${off.url}db?since=${offFirst.headers["x-pyde1-snapshot"]}`);
      expect(offAgain.headers["x-pyde1-delta"]).toBeUndefined();
      expect(Buffer.compare(offAgain.body, offFirst.body)).toBe(0);
    } finally {
      await off.close();
      await server.close();
      server = null;
    }
  });
});
