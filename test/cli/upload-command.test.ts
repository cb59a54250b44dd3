import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { FIXTURES, scratch, SHOTS_RECORDING } from "../support/paths";
import { cli, sqlite3 } from "../support/cli";
import { cliAsync } from "../support/cli-async";
import { copyDatabase } from "../support/copy-db";

/** One request the stand-in visualizer received. */
interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  parts: { name: string; filename: string | null; contentType: string | null; body: string }[];
}

/** Splits a multipart/form-data body into its parts (written for the test, independent of the code under test). */
function parseMultipart(body: Buffer, contentType: string): Received["parts"] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  const text = body.toString("latin1");
  const chunks = text.split(delimiter).slice(1, -1); // drop the preamble and the closing "--"
  return chunks.map((chunk) => {
    const part = chunk.replace(/^\r\n/, "").replace(/\r\n$/, "");
    const split = part.indexOf("\r\n\r\n");
    const headers = part.slice(0, split);
    const disposition = /content-disposition: form-data; name="([^"]+)"(?:; filename="([^"]*)")?/i.exec(headers);
    const type = /content-type: ([^\r\n]+)/i.exec(headers);
    return {
      name: disposition?.[1] ?? "",
      filename: disposition?.[2] ?? null,
      contentType: type?.[1] ?? null,
      body: Buffer.from(part.slice(split + 4), "latin1").toString("utf8"),
    };
  });
}

const USER = "barista@example.com";
const PASSWORD = "s3cret:with colon";
let server: Server;
let base = "";
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const r: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization,
        parts: /multipart\/form-data/.test(req.headers["content-type"] ?? "") ? parseMultipart(body, req.headers["content-type"]!) : [],
      };
      received.push(r);
      const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
      if (r.authorization !== expected) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"error":"Unauthorized"}');
      } else if (r.method !== "POST" || r.url !== "/api/shots/upload" || r.parts.length !== 1 || r.parts[0].name !== "file") {
        res.writeHead(422, { "content-type": "application/json" }).end('{"error":"bad upload"}');
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end('{"id":"6d0c1a2b-visualizer"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function copyThreeShots(): string {
  const db = copyDatabase(join(FIXTURES, "recordings", SHOTS_RECORDING, "expected.sqlite3"), scratch());
  chmodSync(db, 0o644);
  return db;
}

const uploadArgs = (db: string, sequence: string, password = PASSWORD) => [
  "upload", "--db", db, "--sequence", sequence, "--url", base, "--user", USER, "--password", password,
];

describe("upload", () => {
  it("POSTs the legacy shot file as multipart field 'file' with basic auth, and prints the shot id", async () => {
    const db = copyThreeShots();
    received.length = 0;
    const r = await cliAsync(uploadArgs(db, "latest"), { TZ: "UTC" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("shot 6d0c1a2b-visualizer");
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/api/shots/upload");
    expect(req.parts).toHaveLength(1);
    expect(req.parts[0].name).toBe("file");
    expect(req.parts[0].filename).toMatch(/\.shot$/);
    const exported = cli(["export", "--db", db, "--sequence", "latest", "--format", "legacy"], { TZ: "UTC" });
    expect(req.parts[0].body).toBe(exported.stdout);
  });

  it("takes the password from PYDE1_STORE_VISUALIZER_PASSWORD when --password is not given, and asks for one when neither is", async () => {
    const db = copyThreeShots();
    const args = uploadArgs(db, "latest").slice(0, -2); // without --password P
    received.length = 0;
    const r = await cliAsync(args, { PYDE1_STORE_VISUALIZER_PASSWORD: PASSWORD });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0].authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`);
    const none = await cliAsync(args, { PYDE1_STORE_VISUALIZER_PASSWORD: "" });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give --password P, or set PYDE1_STORE_VISUALIZER_PASSWORD/);
    expect(received).toHaveLength(1);
  });

  it("says why the server refused: wrong credentials, one line naming the URL", async () => {
    const db = copyThreeShots();
    const r = await cliAsync(uploadArgs(db, "latest", "wrong"));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`${base}/api/shots/upload`);
    expect(r.stderr).toMatch(/refused the credentials \(HTTP 401\)\. Check --user and --password/);
  });

  it("skips a shot with less than 10 s of flow, saying why, and uploads it with --force", async () => {
    const db = copyThreeShots();
    const id = sqlite3(db, "SELECT id FROM sequence WHERE active_state = 'Espresso' ORDER BY start_sequence LIMIT 1");
    sqlite3(db, `PRAGMA journal_mode=DELETE; UPDATE sequence SET end_flow = start_flow + 9.5 WHERE id = '${id}';`);
    received.length = 0;
    const skipped = await cliAsync(uploadArgs(db, id));
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(new RegExp(`skipped ${id}: only 9\\.5 s between start_flow and end_flow.*--force`));
    expect(received).toHaveLength(0);
    const forced = await cliAsync([...uploadArgs(db, id), "--force"]);
    expect(forced.code).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0].parts[0].body.startsWith(`sequence_id ${id}\n`)).toBe(true);
  });

  it("an unknown sequence fails before anything is sent", async () => {
    const db = copyThreeShots();
    received.length = 0;
    const r = await cliAsync(uploadArgs(db, "nope"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sequence 'nope' is not in this database/);
    expect(received).toHaveLength(0);
  });

  it("a server that does not answer gives one line naming the URL", async () => {
    const db = copyThreeShots();
    const r = cli(["upload", "--db", db, "--sequence", "latest", "--url", "http://127.0.0.1:9", "--user", "u", "--password", "p"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/http:\/\/127\.0\.0\.1:9\/api\/shots\/upload: no answer/);
  });
});
