/**
 * The local server without a browser: the JSON API, the /db snapshot (opens in sql.js with the same
 * counts as the real sqlite3, -wal applied), content types, HEAD, 404/405, paths that try to leave
 * the viewer's folder, the Host guard, and change events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { FIXTURES, scratch, SHOTS_RECORDING } from "../support/paths";
import { sqlite3 } from "../support/cli";
import { rawRequest } from "../support/raw-request";
import { FileSource, StoreSource, isLoopbackPeer, startServer, type RunningServer } from "../../src/server";
import { networkInterfaces } from "node:os";
import { gunzipSync } from "node:zlib";
import { Store } from "../../src/store/store";
import { loadSqlJs } from "../../src/store/sqljs";

/** A raw GET/HEAD (the path is sent exactly as given, unlike fetch which normalizes it). */
const raw = rawRequest;

const work = scratch("pyde1-server-");
const viewer = join(work, "viewer");
const outside = join(work, "secret.txt");
const liveDb = join(work, "live", "pyde1.sqlite3");
let server: RunningServer;

beforeAll(async () => {
  mkdirSync(join(viewer, "assets"), { recursive: true });
  writeFileSync(join(viewer, "index.html"), "<!doctype html><title>viewer</title>");
  writeFileSync(join(viewer, "main.js"), "export {};");
  writeFileSync(join(viewer, "viewer.css"), "body{}");
  writeFileSync(join(viewer, "sql-wasm.wasm"), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(viewer, "assets", "a.txt"), "inside");
  writeFileSync(outside, "SECRET");
  symlinkSync(outside, join(viewer, "link.txt"));
  mkdirSync(join(work, "live"));
  copyFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3"), liveDb);
  copyFileSync(join(FIXTURES, "live-wal/pyde1.sqlite3-wal"), `${liveDb}-wal`);
  server = await startServer({ source: await FileSource.open(liveDb), port: 0, viewerDir: viewer, pollMs: 100, settleMs: 200 });
});
afterAll(async () => {
  await server?.close();
});

/** sqlite3's answer on a separate copy of the live pair (it may checkpoint). */
function sqliteCount(sql: string): number {
  const dir = scratch("pyde1-server-count-");
  copyFileSync(liveDb, join(dir, "p.sqlite3"));
  copyFileSync(`${liveDb}-wal`, join(dir, "p.sqlite3-wal"));
  return Number(sqlite3(join(dir, "p.sqlite3"), sql));
}

describe("server", () => {
  it("binds 127.0.0.1 and says so in its URL", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("serves /db: the file with its -wal applied, openable by sql.js, same counts as sqlite3", async () => {
    const res = await fetch(`${server.url}db`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.sqlite3");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([bytes[18], bytes[19]]).toEqual([1, 1]);
    const SQL = await initSqlJs();
    const db = new SQL.Database(bytes);
    for (const table of ["sequence", "shot_sample_with_volume_update", "weight_and_flow_update", "profile"]) {
      expect(Number(db.exec(`SELECT count(*) FROM ${table}`)[0].values[0][0])).toBe(sqliteCount(`SELECT count(*) FROM ${table}`));
    }
    db.close();
  });

  it("sends /db gzipped to another computer (its own size in X-Pyde1-Bytes), as it is on this one", async () => {
    const plainDb = await raw(server.url, "/db", "GET", { "Accept-Encoding": "gzip, deflate" });
    expect(plainDb.headers["content-encoding"]).toBeUndefined(); // a loopback peer: packing would only cost time
    expect(plainDb.headers["x-pyde1-bytes"]).toBe(String(plainDb.body.length));
    expect(plainDb.headers.vary).toBe("Accept-Encoding");
    const always = await startServer({ source: await FileSource.open(liveDb), port: 0, viewerDir: viewer, pollMs: 0, gzipDb: "always" });
    const lan = Object.values(networkInterfaces()).flatMap((a) => a ?? []).find((a) => !a.internal && a.family === "IPv4")?.address;
    const open = lan ? await startServer({ source: await FileSource.open(liveDb), host: "0.0.0.0", port: 0, viewerDir: viewer, pollMs: 0 }) : null;
    try {
      const packed = await raw(always.url, "/db", "GET", { "Accept-Encoding": "gzip" });
      expect(packed.headers["content-encoding"]).toBe("gzip");
      expect(packed.body.length).toBeLessThan(plainDb.body.length / 2);
      expect(Buffer.compare(gunzipSync(packed.body), plainDb.body)).toBe(0);
      expect(packed.headers["x-pyde1-bytes"]).toBe(String(plainDb.body.length));
      expect(packed.headers["x-pyde1-changes"]).toMatch(/^[\w-]+\/0$/);
      const unasked = await raw(always.url, "/db"); // a client that does not take gzip gets the bytes
      expect(unasked.headers["content-encoding"]).toBeUndefined();
      expect(Buffer.compare(unasked.body, plainDb.body)).toBe(0);
      if (open) {
        // the default, from this machine's network address: another computer as far as the server can tell
        const remote = await raw(`http://${lan}:${open.port}/`, "/db", "GET", { "Accept-Encoding": "gzip" });
        expect(remote.headers["content-encoding"]).toBe("gzip");
        expect(Buffer.compare(gunzipSync(remote.body), plainDb.body)).toBe(0);
      }
    } finally {
      await always.close();
      await open?.close();
    }
    expect(["127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1", undefined].every(isLoopbackPeer)).toBe(true);
    expect(["192.168.1.20", "10.0.0.2", "fd00::2", "::ffff:192.168.1.20", "fe80::1"].some(isLoopbackPeer)).toBe(false);
  });

  it("lists sequences newest first, with profile title, flow duration and drink weight", async () => {
    const list = (await (await fetch(`${server.url}api/sequences`)).json()) as { id: string; start_sequence: number; profile_title: string | null; flow_duration: number | null }[];
    expect(list.length).toBe(sqliteCount("SELECT count(*) FROM sequence WHERE id <> 'dummy'"));
    const starts = list.map((s) => s.start_sequence);
    expect([...starts].sort((a, b) => b - a)).toEqual(starts);
    expect(list[0].flow_duration).toBeGreaterThan(10);
    const one = (await (await fetch(`${server.url}api/sequences/${list[0].id}`)).json()) as { id: string; row: Record<string, unknown>; profile: { title: string } | null };
    expect(one.id).toBe(list[0].id);
    expect(one.row.resource_version).toBeTypeOf("string");
    expect(one.profile?.title).toBe(list[0].profile_title);
  });

  it("exports a shot as legacy, json and csv with their content types", async () => {
    const [{ id }] = (await (await fetch(`${server.url}api/sequences`)).json()) as { id: string }[];
    const legacy = await fetch(`${server.url}api/sequences/${id}/shot?format=legacy`);
    expect(legacy.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await legacy.text()).toContain(`sequence_id ${id}`);
    const json = await fetch(`${server.url}api/sequences/${id}/shot?format=json`);
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(JSON.parse(await json.text())).toHaveProperty("elapsed");
    const csv = await fetch(`${server.url}api/sequences/${id}/shot?format=csv`);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect((await csv.text()).split("\n")[0]).toMatch(/^elapsed,/);
    expect((await fetch(`${server.url}api/sequences/${id}/shot?format=xml`)).status).toBe(400);
    expect((await fetch(`${server.url}api/sequences/no-such-id`)).status).toBe(404);
    expect((await fetch(`${server.url}api/sequences/dummy`)).status).toBe(404);
    expect((await fetch(`${server.url}api/sequences/no-such-id/shot?format=csv`)).status).toBe(404);
    expect((await fetch(`${server.url}api/nothing`)).status).toBe(404);
  });

  it("serves a sequence's chart series: every shot sample and scale reading, as sqlite3 reads them, in seconds from flow begin", async () => {
    const list = (await (await fetch(`${server.url}api/sequences`)).json()) as { id: string }[];
    for (const { id } of list) {
      const reply = await fetch(`${server.url}api/sequences/${id}/series`);
      expect(reply.headers.get("content-type")).toBe("application/json; charset=utf-8");
      const s = (await reply.json()) as { sequence: { id: string; start_flow: number | null }; t0: number; time: number[]; pressure: (number | null)[]; weightTime: number[]; weight: (number | null)[] };
      expect(s.sequence.id).toBe(id);
      const where = `sequence_id = '${id}'`;
      expect(s.time.length).toBe(sqliteCount(`SELECT count(*) FROM shot_sample_with_volume_update WHERE ${where} AND de1_time IS NOT NULL`));
      expect(s.weight.length).toBe(sqliteCount(`SELECT count(*) FROM weight_and_flow_update WHERE ${where} AND current_weight_time IS NOT NULL`));
      if (s.sequence.start_flow !== null) expect(s.t0).toBe(s.sequence.start_flow);
      if (s.time.length === 0) continue;
      const firstSample = `FROM shot_sample_with_volume_update WHERE ${where} AND de1_time IS NOT NULL ORDER BY de1_time LIMIT 1`;
      expect(s.t0 + s.time[0]!).toBeCloseTo(sqliteCount(`SELECT printf('%.6f', de1_time) ${firstSample}`), 4);
      expect(s.pressure[0]).toBeCloseTo(sqliteCount(`SELECT printf('%.9f', group_pressure) ${firstSample}`), 6);
    }
    expect((await fetch(`${server.url}api/sequences/no-such-id/series`)).status).toBe(404);
  });

  it("serves the viewer's files with content types, HEAD without a body, 404 and 405", async () => {
    const index = await raw(server.url, "/");
    expect(index.status).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(index.body.toString()).toContain("<title>viewer</title>");
    expect((await raw(server.url, "/main.js")).headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect((await raw(server.url, "/viewer.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await raw(server.url, "/sql-wasm.wasm")).headers["content-type"]).toBe("application/wasm");
    expect((await raw(server.url, "/assets/a.txt")).body.toString()).toBe("inside");
    const head = await raw(server.url, "/main.js", "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe("10");
    expect(head.body.length).toBe(0);
    const headDb = await raw(server.url, "/db", "HEAD");
    expect(Number(headDb.headers["content-length"])).toBeGreaterThan(0);
    expect(headDb.body.length).toBe(0);
    expect((await raw(server.url, "/missing.js")).status).toBe(404);
    expect((await raw(server.url, "/assets")).status).toBe(404);
    const post = await raw(server.url, "/db", "POST");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  it.each([
    "/../secret.txt",
    "/assets/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/assets/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/..%5csecret.txt",
    "/assets\\..\\..\\secret.txt",
    "/%2fetc/passwd",
    "//etc/passwd",
    "/%00index.html",
    "/C:/Windows/win.ini",
    "/%ZZ",
    "/./index.html",
    "/link.txt",
  ])("refuses %s", async (path) => {
    const res = await raw(server.url, path);
    expect([400, 404]).toContain(res.status);
    expect(res.body.toString()).not.toContain("SECRET");
  });

  it("refuses absolute-form and foreign Host requests", async () => {
    expect((await raw(server.url, `http://example.com${outside}`)).status).toBe(400);
    expect((await raw(server.url, "/", "GET", { Host: "evil.example:80" })).status).toBe(403);
    expect((await raw(server.url, "/", "GET", { Host: "localhost" })).status).toBe(200);
  });

  it("sends a change event on notifyChanged", async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}api/events`, { signal: controller.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const hello = await reader.read();
    text += decoder.decode(hello.value);
    expect(text).toContain("event: hello");
    server.notifyChanged({ sequence: "x" });
    while (!text.includes("event: changed")) text += decoder.decode((await reader.read()).value);
    expect(text).toMatch(/event: changed\ndata: \{"sequence":"x","mark":"[\w-]+\/\d+"\}/);
    controller.abort();
  });

  it("sends a change event when the file changes on disk, and serves the new data", async () => {
    const before = ((await (await fetch(`${server.url}api/sequences`)).json()) as unknown[]).length;
    const controller = new AbortController();
    const res = await fetch(`${server.url}api/events`, { signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    sqlite3(liveDb, "DELETE FROM sequence WHERE id = (SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence LIMIT 1)");
    while (!text.includes("event: changed")) text += decoder.decode((await reader.read()).value);
    controller.abort();
    const after = ((await (await fetch(`${server.url}api/sequences`)).json()) as unknown[]).length;
    expect(after).toBe(before - 1);
  });
});

describe("a file that keeps changing (pyDE1 recording a shot into its own file)", () => {
  /** Appends a row to `db` every 100 ms for `ms`, as pyDE1 does while it records. */
  async function keepWriting(db: string, ms: number): Promise<number> {
    const end = Date.now() + ms;
    let n = 0;
    while (Date.now() < end) {
      sqlite3(db, `INSERT INTO persist_hkv (header, key, value) VALUES ('test', 'write ${n++}', 'x')`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return n;
  }

  /** The change events a server sends while `during` runs, and for `after` ms more, each with the time it came. */
  async function eventsDuring(url: string, during: () => Promise<unknown>, after: number): Promise<number[]> {
    const controller = new AbortController();
    const res = await fetch(`${url}api/events`, { signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const times: number[] = [];
    const t0 = Date.now();
    let done = false;
    const reading = (async () => {
      let text = "";
      while (!done) {
        const chunk = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (chunk.done) return;
        text += decoder.decode(chunk.value);
        for (let i = text.indexOf("event: changed"); i >= 0; i = text.indexOf("event: changed")) {
          times.push(Date.now() - t0);
          text = text.slice(i + 1);
        }
      }
    })();
    await during();
    await new Promise((r) => setTimeout(r, after));
    done = true;
    controller.abort();
    await reading;
    return times;
  }

  it("is announced once, after it has settled, not at every write: each announcement has every page load the whole file", async () => {
    const db = join(work, "busy.sqlite3");
    copyFileSync(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), db);
    const s = await startServer({ source: await FileSource.open(db), port: 0, viewerDir: viewer, pollMs: 100, settleMs: 600 });
    try {
      let wrote = 0;
      const times = await eventsDuring(s.url, async () => (wrote = await keepWriting(db, 2500)), 1500);
      expect(wrote).toBeGreaterThan(10);
      expect(times).toHaveLength(1);
      expect(times[0]).toBeGreaterThanOrEqual(2500); // after the last write, not during
      expect(Number(sqlite3(db, "SELECT count(*) FROM persist_hkv WHERE header = 'test'"))).toBe(wrote);
      const rows = await (await fetch(`${s.url}api/sequences`)).json();
      expect(rows).toHaveLength(Number(sqlite3(db, "SELECT count(*) FROM sequence WHERE id <> 'dummy'")));
    } finally {
      await s.close();
    }
  });

  it("while it keeps changing, is announced at most every busyAnnounceMs", async () => {
    const db = join(work, "busier.sqlite3");
    copyFileSync(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), db);
    const s = await startServer({ source: await FileSource.open(db), port: 0, viewerDir: viewer, pollMs: 100, settleMs: 60_000, busyAnnounceMs: 1000 });
    try {
      const times = await eventsDuring(s.url, () => keepWriting(db, 3500), 0);
      expect(times.length).toBeGreaterThanOrEqual(2);
      expect(times.length).toBeLessThanOrEqual(4);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(900);
    } finally {
      await s.close();
    }
  });
});

describe("change marks: which changes the /db bytes hold", () => {
  it("counts a change made before a /db request even between polls, and names the server process", async () => {
    const db = join(work, "marks.sqlite3");
    copyFileSync(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), db);
    const s = await startServer({ source: await FileSource.open(db), port: 0, viewerDir: viewer, pollMs: 0 });
    const other = await startServer({ source: await FileSource.open(db), port: 0, viewerDir: viewer, pollMs: 0 });
    try {
      const mark = async (url: string) => (await raw(url, "/db")).headers["x-pyde1-changes"] as string;
      const first = await mark(s.url);
      expect(first).toMatch(/^[\w-]+\/0$/);
      expect(await mark(s.url)).toBe(first);
      const [server] = first.split("/");
      const controller = new AbortController();
      const res = await fetch(`${s.url}api/events`, { signal: controller.signal });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = decoder.decode((await reader.read()).value);
      expect(text).toContain(`data: {"mark":"${first}"}`);
      const gone = sqlite3(db, "SELECT id FROM sequence WHERE id <> 'dummy' ORDER BY start_sequence LIMIT 1");
      expect(gone).toMatch(/^[0-9a-f-]{36}$/);
      sqlite3(db, `DELETE FROM sequence WHERE id = '${gone}'`);
      const after = await raw(s.url, "/db");
      expect(after.headers["x-pyde1-changes"]).toBe(`${server}/1`);
      while (!text.includes("event: changed")) text += decoder.decode((await reader.read()).value);
      expect(text).toContain(`"mark":"${server}/1"`);
      controller.abort();
      const SQL = await initSqlJs();
      const served = new SQL.Database(after.body);
      expect(served.exec(`SELECT count(*) FROM sequence WHERE id = '${gone}'`)[0].values[0][0]).toBe(0);
      served.close();
      expect((await mark(other.url)).split("/")[0]).not.toBe(server);
    } finally {
      await s.close();
      await other.close();
    }
  });
});

describe("server over a Store held by the process (serve --record)", () => {
  it("serves the Store's current contents and exports only when it changed", async () => {
    const SQL = await loadSqlJs();
    const store = Store.create(SQL, "memory");
    const source = new StoreSource("recorder", () => store);
    const s = await startServer({ source, port: 0, viewerDir: viewer });
    try {
      expect(await (await fetch(`${s.url}api/sequences`)).json()).toEqual([]);
      const first = source.snapshot();
      expect(source.snapshot()).toBe(first);
      store.sequences.insert({ id: "s1", active_state: "Espresso", start_sequence: 1700000000, profile_id: "dummy", profile_assumed: false });
      expect(source.snapshot()).not.toBe(first);
      const list = (await (await fetch(`${s.url}api/sequences`)).json()) as { id: string; profile_title: string | null }[];
      expect(list.map((x) => x.id)).toEqual(["s1"]);
      const db = new SQL.Database(new Uint8Array(await (await fetch(`${s.url}db`)).arrayBuffer()));
      expect(db.exec("SELECT id FROM sequence WHERE id <> 'dummy'")[0].values).toEqual([["s1"]]);
      db.close();
    } finally {
      await s.close();
      store.close();
    }
  });
});
