import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { FIXTURES, ROOT, scratch } from "../support/paths";
import { PROFILES, REFERENCE_PROFILES } from "../support/reference-profiles";
import { cli, sqlite3 } from "../support/cli";
import { copyDatabase } from "../support/copy-db";

const reference = REFERENCE_PROFILES;

/** Runs the CLI asynchronously (so a server in this process can answer it). */
function cliAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, "dist/cli.js"), ...args]);
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("profile add / list / show", () => {
  it("prints pyDE1's id and fingerprint, stores the bytes verbatim, and dedupes by id", () => {
    expect(reference.length).toBeGreaterThan(0);
    const db = join(scratch(), "p.sqlite3");
    for (const ref of reference) {
      const r = cli(["profile", "add", "--db", db, join(PROFILES, ref.file)]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ id: ref.id, fingerprint: ref.fingerprint });
      const shown = cli(["profile", "show", "--db", db, ref.id]);
      expect(Buffer.from(shown.stdout, "utf8").equals(readFileSync(join(PROFILES, ref.file)))).toBe(true);
      expect(sqlite3(db, `SELECT typeof(source), source_format FROM profile WHERE id='${ref.id}'`)).toBe("blob|JSONv2");
      expect(sqlite3(db, "SELECT value FROM persist_hkv WHERE header='last_profile' AND key='id'")).toBe(ref.id);
    }
    const again = cli(["profile", "add", "--db", db, join(PROFILES, reference[0].file)]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already stored/);
    expect(sqlite3(db, "SELECT count(*) FROM profile")).toBe(String(new Set(reference.map((r) => r.id)).size + 1)); // + dummy
    const list = JSON.parse(cli(["profile", "list", "--db", db, "--json"]).stdout);
    expect(list.map((p: { id: string }) => p.id).sort()).toEqual([...reference.map((r) => r.id), "dummy"].sort());
    const text = cli(["profile", "list", "--db", db]).stdout;
    for (const ref of reference) {
      const title = (JSON.parse(readFileSync(join(PROFILES, ref.file), "utf8")) as { title: string }).title;
      expect(text).toContain(title);
    }
  });

  it("refuses an invalid profile with the step and field named, leaving the database byte-identical", () => {
    const dir = scratch();
    const db = join(dir, "p.sqlite3");
    cli(["init", "--db", db]);
    const before = readFileSync(db);
    const bad = JSON.parse(readFileSync(join(PROFILES, reference[0].file), "utf8"));
    bad.steps[1].pump = "steam";
    writeFileSync(join(dir, "bad.json"), JSON.stringify(bad));
    const r = cli(["profile", "add", "--db", db, join(dir, "bad.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/step 2/i);
    expect(r.stderr).toMatch(/pump/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.startsWith(`pyde1-store profile add: ${join(dir, "bad.json")}: JSON v2 profile, `)).toBe(true);
    // profile upload checks it the same way before sending anything
    const up = cli(["profile", "upload", "--db", db, "--pyde1-http", "http://127.0.0.1:9", join(dir, "bad.json")]);
    expect(up.code).toBe(1);
    expect(up.stderr.startsWith(`pyde1-store profile upload: ${join(dir, "bad.json")}: JSON v2 profile, `)).toBe(true);
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it("show fails clearly for an unknown id", () => {
    const db = join(scratch(), "p.sqlite3");
    cli(["init", "--db", db]);
    const r = cli(["profile", "show", "--db", db, "feedface"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no profile with id feedface/);
  });
});

describe("profile import", () => {
  it("copies every profile row from a live pyDE1 database without writing to it", () => {
    const dir = scratch();
    // a live pyDE1 file: the live-wal fixture, whose newest rows exist only in its -wal
    const src = copyDatabase(join(FIXTURES, "live-wal/pyde1.sqlite3"), dir);
    const before = [readFileSync(src), readFileSync(`${src}-wal`)];
    const db = join(dir, "mine.sqlite3");
    const r = cli(["profile", "import", "--db", db, "--from", src]);
    expect(r.code).toBe(0);
    const check = copyDatabase(src, scratch(), "check.sqlite3");
    const want = sqlite3(check, "SELECT id, hex(source), fingerprint, date_added, title FROM profile ORDER BY id");
    expect(sqlite3(db, "SELECT id, hex(source), fingerprint, date_added, title FROM profile ORDER BY id")).toBe(want);
    expect(r.stdout).toMatch(/imported \d+ of \d+ profiles/);
    expect(readFileSync(src).equals(before[0]) && readFileSync(`${src}-wal`).equals(before[1])).toBe(true);
    expect(existsSync(`${src}-shm`)).toBe(false);
  });

  it("refuses --from a database that is not pyDE1's, naming --from, and creates nothing", () => {
    const dir = scratch();
    const other = join(dir, "other.db");
    sqlite3(other, "CREATE TABLE notes(a)");
    const before = readFileSync(other);
    const db = join(dir, "mine.sqlite3");
    const r = cli(["profile", "import", "--db", db, "--from", other]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `pyde1-store profile import: ${other}: an SQLite database without pyDE1's tables. Give --from a pyDE1 database (pyDE1's own is /var/lib/pyde1/pyde1.sqlite3); nothing was changed.`,
    );
    expect(readFileSync(other).equals(before)).toBe(true);
    expect(existsSync(db)).toBe(false);
  });
});

describe("profile upload", () => {
  it("PUTs the bytes verbatim to pyDE1 and stores the profile; a refusal stores nothing", async () => {
    const received: { method?: string; url?: string; body: Buffer }[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        received.push({ method: req.method, url: req.url, body: Buffer.concat(chunks) });
        res.writeHead(status, { "content-type": "application/json" });
        res.end(status === 200 ? "{}" : '{"error": "bad profile"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const db = join(scratch(), "p.sqlite3");
      expect(reference.length, "the upload test needs two reference profiles").toBeGreaterThanOrEqual(2);
      const ref = reference[0];
      const file = join(PROFILES, ref.file);
      const ok = await cliAsync(["profile", "upload", "--db", db, "--pyde1-http", `http://127.0.0.1:${port}`, file]);
      expect(ok.code).toBe(0);
      expect(received[0].method).toBe("PUT");
      expect(received[0].url).toBe("/de1/profile");
      expect(received[0].body.equals(readFileSync(file))).toBe(true);
      expect(sqlite3(db, `SELECT count(*) FROM profile WHERE id='${ref.id}'`)).toBe("1");

      status = 400;
      const other = join(PROFILES, reference.at(-1)!.file);
      const refused = await cliAsync(["profile", "upload", "--db", db, "--pyde1-http", `http://127.0.0.1:${port}`, other]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/refused the profile \(HTTP 400/);
      expect(sqlite3(db, `SELECT count(*) FROM profile WHERE id='${reference.at(-1)!.id}'`)).toBe("0");
    } finally {
      server.close();
    }
  });
});
