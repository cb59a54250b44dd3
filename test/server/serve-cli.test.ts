/** `pyde1-store serve` as a user runs it: prints its URL, answers, refuses bad options, stops on SIGTERM. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { networkInterfaces } from "node:os";
import { FIXTURES, ROOT, scratch, sequenceIdsOf, SHOTS_RECORDING } from "../support/paths";
import { cli } from "../support/cli";
import { ensureBuilt } from "../viewer/browser";

const db = join(scratch("pyde1-serve-cli-"), "pyde1.sqlite3");
let child: ChildProcess;
let url = "";
let servedOut = "";

beforeAll(async () => {
  ensureBuilt();
  copyFileSync(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), db);
  child = spawn(process.execPath, [join(ROOT, "dist/cli.js"), "serve", "--db", db, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  url = await new Promise<string>((done, fail) => {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      servedOut = out;
      const m = /serving (http:\/\/127\.0\.0\.1:\d+\/) for (.*)\n/.exec(out);
      if (m) done(m[1]);
    });
    child.once("exit", (code) => fail(new Error(`serve exited with ${code}`)));
  });
}, 120_000);

afterAll(() => {
  if (child.exitCode === null) child.kill("SIGTERM");
});

it("prints its URL and serves the viewer, /db and the API", async () => {
  expect((await fetch(url)).headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect((await fetch(`${url}main.js`)).status).toBe(200);
  expect((await fetch(`${url}sql-wasm.wasm`)).headers.get("content-type")).toBe("application/wasm");
  expect(((await (await fetch(`${url}api/sequences`)).json()) as unknown[]).length).toBe(sequenceIdsOf(SHOTS_RECORDING).length);
});

it("on 127.0.0.1 (the default) says that only this computer can open it, and how to open it to the network", async () => {
  const deadline = Date.now() + 10_000;
  while (!servedOut.includes("\n  only this") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(servedOut).toMatch(/^serving http:\/\/127\.0\.0\.1:\d+\/ for .*\n {2}only this computer can open it; --host 0\.0\.0\.0 opens it to your network too\n/);
});

it("stops on SIGTERM with exit code 0", async () => {
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
});

it("explains a missing file and a bad port", () => {
  const missing = cli(["serve", "--db", join(ROOT, "no-such.sqlite3")]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("no such file");
  const port = cli(["serve", "--db", db, "--port", "http"]);
  expect(port.code).toBe(2);
  expect(port.stderr).toContain("--port");
});

it("refuses an option of recording without --record (it would be ignored), exit 2", () => {
  for (const args of [["--broker", "mqtt://localhost:1883"], ["--backup-to", scratch()], ["--idle-save", "5"]]) {
    const r = cli(["serve", "--db", db, "--port", "0", ...args]);
    expect(r.code, args[0]).toBe(2);
    expect(r.stderr).toContain(`${args[0]} is an option of recording: add --record (or use 'pyde1-store start')`);
  }
});

it("takes --db, --host and --port from the environment and the config file, as 'start' does", async () => {
  const config = join(scratch(), "pyde1-store.conf");
  writeFileSync(config, JSON.stringify({ port: "0", host: "127.0.0.1" }));
  const env = { ...process.env, PYDE1_STORE_DB: db, PYDE1_STORE_CONFIG: config };
  const other = spawn(process.execPath, [join(ROOT, "dist/cli.js"), "serve"], { stdio: ["ignore", "pipe", "pipe"], env });
  try {
    const served = await new Promise<string>((done, fail) => {
      let out = "";
      other.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /serving (http:\/\/127\.0\.0\.1:(\d+)\/) for (.*)\n/.exec(out);
        if (m) done(m[0]);
      });
      other.once("exit", (code) => fail(new Error(`serve exited with ${code}`)));
    });
    expect(served).toContain(db); // the environment's file
    expect(served).not.toContain(":8080/"); // the config file's port 0: a free one
    const base = /(http:\S+\/) for/.exec(served)![1];
    expect(((await (await fetch(`${base}api/sequences`)).json()) as unknown[]).length).toBe(sequenceIdsOf(SHOTS_RECORDING).length);
  } finally {
    other.kill("SIGTERM");
  }
});

it("on every interface (--host 0.0.0.0), also prints the URLs other computers use, and answers at each", async () => {
  const lan = Object.values(networkInterfaces())
    .flatMap((a) => a ?? [])
    .filter((a) => !a.internal && a.family === "IPv4")
    .map((a) => a.address);
  const other = spawn(process.execPath, [join(ROOT, "dist/cli.js"), "serve", "--db", db, "--host", "0.0.0.0", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    let out = "";
    other.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 20_000;
    // with no network address but loopback, there is no second line: give it a moment to show
    const started = () => /^serving http:\/\/0\.0\.0\.0:(\d+)\/ for .*\n/m.test(out) && (lan.length === 0 || /from other computers: .*\n/.test(out));
    while (!started()) {
      if (other.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (lan.length === 0) await new Promise((r) => setTimeout(r, 300));
    const port = /^serving http:\/\/0\.0\.0\.0:(\d+)\//m.exec(out)![1];
    const listed = /^ {2}from other computers: (.*)$/m.exec(out)?.[1].split(", ") ?? [];
    expect(listed).toEqual(lan.map((a) => `http://${a}:${port}/`));
    for (const base of listed) {
      // a browser elsewhere sends the address it used as Host: a server open to the network answers it
      expect(((await (await fetch(`${base}api/sequences`)).json()) as unknown[]).length).toBe(sequenceIdsOf(SHOTS_RECORDING).length);
    }
  } finally {
    other.kill("SIGTERM");
  }
});

it("a port already taken: one line naming it and the fix, exit 1; start creates and locks nothing", async () => {
  const taken = createServer();
  await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
  const port = (taken.address() as { port: number }).port;
  try {
    const dir = scratch();
    const started = cli(["start", "--db", join(dir, "new.sqlite3"), "--port", String(port), "--broker", "mqtt://127.0.0.1:9"]);
    const served = cli(["serve", "--db", db, "--port", String(port)]);
    for (const r of [started, served]) {
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`127.0.0.1:${port} is already in use`);
      expect(r.stderr).toContain("choose another port with --port N");
    }
    expect(readdirSync(dir)).toEqual([]); // no database, journal or lock left behind
  } finally {
    await new Promise((done) => taken.close(done));
  }
});
