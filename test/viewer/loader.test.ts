/**
 * The viewer's download of a database (`fetchDatabase`, browser code that runs in Node as it is):
 * every byte arrives in one buffer whatever the response announces — its exact length, a length
 * smaller than what arrives (a compressed response: Content-Length counts the compressed bytes),
 * or none — with progress reported up to the whole.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { gzipSync } from "node:zlib";
import { fetchDatabase } from "../../src/viewer/loader";

/** 3 MB that do not compress to nothing (so a gzip response is much shorter than its body). */
const BODY = (() => {
  const b = Buffer.alloc(3 * 1024 * 1024 + 123);
  let x = 12345;
  for (let i = 0; i < b.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = i % 7 === 0 ? x >>> 24 : i & 0x3f;
  }
  return b;
})();
const GZIPPED = gzipSync(BODY);

let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const send = (headers: Record<string, string | number>, bytes: Buffer) => {
      res.writeHead(200, { "Content-Type": "application/vnd.sqlite3", ...headers });
      // in pieces, as a large file arrives
      let at = 0;
      const next = () => {
        if (at >= bytes.length) return res.end();
        const piece = bytes.subarray(at, at + 256 * 1024);
        at += piece.length;
        res.write(piece, next);
      };
      next();
    };
    if (req.url === "/exact") send({ "Content-Length": BODY.length, "X-Pyde1-Changes": "abc-1/7" }, BODY);
    else if (req.url === "/gzip") send({ "Content-Length": GZIPPED.length, "Content-Encoding": "gzip" }, GZIPPED);
    else if (req.url === "/chunked") send({ "Content-Disposition": 'attachment; filename="shots.sqlite3"' }, BODY);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

/** Downloads `path`, keeping every progress report. */
async function download(path: string) {
  const reports: [number, number | null][] = [];
  const fetched = await fetchDatabase(`${base}${path}`, () => (loaded, total) => reports.push([loaded, total]));
  return { ...fetched, reports };
}

describe("fetchDatabase", () => {
  it("a response of announced length: the very bytes, the change mark, progress up to the whole", async () => {
    const { bytes, mark, reports } = await download("/exact");
    expect(Buffer.from(bytes).equals(BODY)).toBe(true);
    expect(bytes.byteLength).toBe(BODY.length);
    expect(mark).toEqual({ server: "abc-1", changes: 7 });
    expect(reports.at(-1)).toEqual([BODY.length, BODY.length]);
    expect(reports.every(([loaded], i) => i === 0 || loaded >= reports[i - 1][0])).toBe(true);
  });

  it("a compressed response (more bytes arrive than Content-Length says): every byte, none extra", async () => {
    expect(GZIPPED.length).toBeLessThan(BODY.length / 2);
    const { bytes, reports } = await download("/gzip");
    expect(bytes.byteLength).toBe(BODY.length);
    expect(Buffer.from(bytes).equals(BODY)).toBe(true);
    expect(reports.at(-1)?.[0]).toBe(BODY.length);
  });

  it("a response without a length: every byte, named by its Content-Disposition", async () => {
    const { bytes, name, reports } = await download("/chunked");
    expect(Buffer.from(bytes).equals(BODY)).toBe(true);
    expect(name).toBe("shots.sqlite3");
    expect(reports.at(-1)).toEqual([BODY.length, null]);
  });

  it("an HTTP error: a message with the URL and the status", async () => {
    await expect(download("/missing")).rejects.toThrow(`could not load ${base}/missing: HTTP 404`);
  });
});
