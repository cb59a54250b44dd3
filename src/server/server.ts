/**
 * The local server (`pyde1-store serve`): the viewer's files, `GET /db` (a consistent snapshot of
 * the database), a small read-only JSON API and a change-event stream. Binds 127.0.0.1 unless told
 * otherwise; only GET and HEAD; nothing outside the viewer's folder is reachable.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createReadStream, statSync } from "node:fs";
import { gzip } from "node:zlib";
import { promisify } from "node:util";
import { basename } from "node:path";
import type { AddressInfo } from "node:net";
import type { DatabaseSource } from "./database-source";
import { contentTypeOf, defaultViewerDir, resolveStatic } from "./static-files";
import { answerApi } from "./api";
import { ChangeEvents } from "./events";
import type { RecorderStatus, StatusReply } from "./recorder-status";
import { DELTA_BLOCK_SIZE, SnapshotHistory } from "./snapshot-history";
import { blockCount, encodeBlockDelta, encodeHashList, parseBlockRuns } from "../store/block-delta";

/** Options for {@link startServer}. */
export interface ServerOptions {
  /** the database to serve */
  source: DatabaseSource;
  /** address to bind (default 127.0.0.1) */
  host?: string;
  /** port (default 8080; 0 = any free port) */
  port?: number;
  /** folder of the built viewer (default: dist/viewer beside the running script) */
  viewerDir?: string;
  /** how often to look for changes of a file source, ms (default 2000; 0 = never) */
  pollMs?: number;
  /**
   * a file that changed is announced to the pages once it has stayed unchanged this long, ms
   * (default 3000): pyDE1 writes its file all through a shot, and each announcement makes every
   * open page load the whole database again
   */
  settleMs?: number;
  /** while a file keeps changing, it is announced at most this often, ms (default 60000) */
  busyAnnounceMs?: number;
  /**
   * when `/db` goes gzipped to a browser that accepts it (default "remote": to another computer,
   * where the network is the slow part; on this computer packing it would only cost time)
   */
  gzipDb?: "remote" | "always" | "never";
  /** the recording in this process, for `GET /api/status` (without it: `{"recording": false}`) */
  status?: () => RecorderStatus;
  /**
   * answer `/db?since=ID` with only the blocks that changed since snapshot ID, when it was sent
   * recently by this process (default true; false: always the whole file)
   */
  deltaDb?: boolean;
}

/** A running server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080/` */
  readonly url: string;
  /** the port it listens on */
  readonly port: number;
  /** tells the open pages that the database changed (the recorder calls this when a shot completes) */
  notifyChanged(detail?: Record<string, unknown>): void;
  /** stops listening, ends the event streams and releases the source */
  close(): Promise<void>;
}

/** Security headers sent with every reply. */
const COMMON_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** The viewer page's policy: its own files only, workers and wasm from itself, data/blob downloads. */
const PAGE_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; connect-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** A host as a URL writes it: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** True for a peer address on this computer (IPv4 127/8, IPv6 ::1, or IPv4 loopback mapped into IPv6). */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return true;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

const gzipBytes = promisify(gzip);

/** Host names a loopback-bound server answers to (a guard against DNS rebinding). */
function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  const loopback = boundHost === "127.0.0.1" || boundHost === "localhost" || boundHost === "::1";
  if (!loopback) return true;
  if (!hostHeader) return false;
  const name = hostHeader.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return name === "127.0.0.1" || name === "localhost" || name === "::1";
}

/** Sends a small text or JSON body (no body for HEAD). */
function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Uint8Array, extra: Record<string, string> = {}): void {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.writeHead(status, { ...COMMON_HEADERS, "Content-Type": type, "Content-Length": String(bytes.length), ...extra });
  res.end(req.method === "HEAD" ? undefined : bytes);
}

/** Starts the server; resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const viewerDir = options.viewerDir ?? defaultViewerDir();
  const { source } = options;
  const events = new ChangeEvents();
  const history = new SnapshotHistory(events.server);
  const deltaDb = options.deltaDb ?? true;
  const plain = "text/plain; charset=utf-8";
  const gzipDb = options.gzipDb ?? "remote";
  /** the gzipped form of each snapshot, made once (a snapshot's bytes stay the same object until the data changes) */
  const packed = new WeakMap<Uint8Array, Promise<Buffer>>();
  const packedOf = (bytes: Uint8Array): Promise<Buffer> => {
    let p = packed.get(bytes);
    if (!p) {
      p = gzipBytes(bytes, { level: 1 }); // fast: ~5x smaller for pyDE1's files
      packed.set(bytes, p);
      p.catch(() => packed.delete(bytes));
    }
    return p;
  };
  const wantsGzip = (req: IncomingMessage): boolean =>
    gzipDb !== "never" && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? "")) && (gzipDb === "always" || !isLoopbackPeer(req.socket.remoteAddress));
  const settleMs = options.settleMs ?? 3000;
  const busyAnnounceMs = options.busyAnnounceMs ?? 60_000;
  /** the source's version when last looked at, and when it last moved */
  let seen = source.version?.();
  let movedAt = 0;
  /** the version the last change event covered, and since when a newer one waits */
  let announced = seen;
  let waitingSince: number | null = null;
  /**
   * Sends a change event when the source's version moved since the last one: once it has settled
   * (unchanged for `settleMs`), or after `busyAnnounceMs` of changes; `atOnce` before `/db` bytes
   * are read, so their mark counts every change they hold.
   */
  const lookForChange = (atOnce = false): void => {
    if (!source.version) return;
    const version = source.version();
    const t = Date.now();
    if (version !== seen) {
      seen = version;
      movedAt = t;
      waitingSince ??= t;
    }
    if (version === announced) {
      waitingSince = null;
      return;
    }
    if (atOnce || t - movedAt >= settleMs || t - waitingSince! >= busyAnnounceMs) {
      announced = version;
      waitingSince = null;
      events.changed({ reason: "file" });
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed(req.headers.host, host)) return send(req, res, 403, plain, "forbidden host\n");
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(req, res, 405, plain, "only GET and HEAD\n", { Allow: "GET, HEAD" });
    }
    const raw = req.url ?? "/";
    if (!raw.startsWith("/")) return send(req, res, 400, plain, "bad request path\n");
    const q = raw.indexOf("?");
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));

    if (path === "/db" || path === "/db/blocks" || path === "/db/hashes") {
      lookForChange(true); // the mark sent below then counts every change made before these bytes were read
      const mark = events.mark;
      const failed = (what: string) => (e: Error) => send(req, res, 500, plain, `could not ${what}: ${e.message}\n`);
      if (path === "/db/hashes") {
        // the block hashes of what is served now, or of a snapshot sent recently (`?snapshot=ID`)
        const wanted = query.get("snapshot") ?? history.idOf(source.snapshot());
        history.hashList(wanted).then((list) => {
          if (!list) return send(req, res, 404, plain, `snapshot ${wanted} is not one this server sent recently: load /db\n`, { "Cache-Control": "no-store" });
          send(req, res, 200, "application/vnd.pyde1.hashes", encodeHashList(list), { "Cache-Control": "no-store", "X-Pyde1-Changes": mark, "X-Pyde1-Snapshot": list.snapshot });
        }, failed("hash the database's blocks"));
        return;
      }
      const bytes = source.snapshot();
      const snapshot = history.idOf(bytes);
      const name = basename(source.name).replace(/[^\w.-]/g, "_") || "pyde1.sqlite3";
      /** sends the delta `made` from snapshot `base`, or the whole file when it is null */
      const reply = (made: { delta: Uint8Array; blocks: number } | null, base: string | null): void => {
        const body = made ? made.delta : bytes;
        const headers: Record<string, string> = {
          "Cache-Control": "no-store",
          "X-Pyde1-Changes": mark,
          // which bytes these are: a page that holds them asks for `?since=` this id next time
          "X-Pyde1-Snapshot": snapshot,
          // the body's own size, for the page's progress bar when it comes gzipped
          "X-Pyde1-Bytes": String(body.length),
          Vary: "Accept-Encoding",
          ...(made
            ? { "X-Pyde1-Delta": base!, "X-Pyde1-Delta-Blocks": String(made.blocks), "X-Pyde1-Database-Bytes": String(bytes.length) }
            : { "Content-Disposition": `attachment; filename="${name}"` }),
        };
        const type = made ? "application/vnd.pyde1.delta" : "application/vnd.sqlite3";
        const sent = (): void => void setImmediate(() => history.settle(bytes)); // hashed once on its way, not before
        if (!wantsGzip(req)) {
          send(req, res, 200, type, body, headers);
          return sent();
        }
        (made ? gzipBytes(body, { level: 1 }) : packedOf(bytes)).then(
          (gz) => {
            send(req, res, 200, type, gz, { ...headers, "Content-Encoding": "gzip" });
            sent();
          },
          (e: Error) => send(req, res, 500, plain, `could not pack the database: ${e.message}\n`),
        );
      };
      if (path === "/db/blocks") {
        // blocks of the snapshot served now, for a page that found by their hashes which it lacks
        // (a copy it kept from an earlier visit): a delta from the page's own `base`
        const base = query.get("base");
        if (!base || query.get("snapshot") !== snapshot) {
          return send(req, res, 409, plain, `the database is now snapshot ${snapshot}: ask /db/hashes again, or load /db\n`, { "Cache-Control": "no-store", "X-Pyde1-Snapshot": snapshot });
        }
        let blocks: number[];
        try {
          blocks = parseBlockRuns(query.get("runs") ?? "", blockCount(bytes.length, DELTA_BLOCK_SIZE));
        } catch (e) {
          return send(req, res, 400, plain, `${(e as Error).message}\n`);
        }
        return reply({ delta: encodeBlockDelta({ base, snapshot, blockSize: DELTA_BLOCK_SIZE }, bytes, blocks), blocks: blocks.length }, base);
      }
      const since = query.get("since");
      if (!since || !deltaDb) return reply(null, null);
      history.delta(since, bytes).then((made) => reply(made, since), failed(`compare the database with snapshot ${since}`));
      return;
    }
    if (path === "/api/events") {
      if (req.method === "HEAD") return send(req, res, 200, "text/event-stream; charset=utf-8", "");
      return events.attach(res);
    }
    if (path === "/api/status") {
      const reply: StatusReply = options.status?.() ?? { recording: false };
      return send(req, res, 200, "application/json; charset=utf-8", JSON.stringify(reply), { "Cache-Control": "no-store" });
    }
    if (path === "/api" || path.startsWith("/api/")) {
      const reply = answerApi(source.store(), path, query) ?? { status: 404, contentType: "application/json; charset=utf-8", body: '{"error":"no such API path"}' };
      return send(req, res, reply.status, reply.contentType, reply.body, { "Cache-Control": "no-store", ...reply.headers });
    }
    const found = resolveStatic(viewerDir, path);
    if ("refused" in found) {
      return found.refused === "bad-path" ? send(req, res, 400, plain, "bad request path\n") : send(req, res, 404, plain, "not found\n");
    }
    const size = statSync(found.file).size;
    const type = contentTypeOf(found.file);
    res.writeHead(200, {
      ...COMMON_HEADERS,
      "Content-Type": type,
      "Content-Length": String(size),
      "Cache-Control": "no-cache",
      ...(type.startsWith("text/html") ? { "Content-Security-Policy": PAGE_POLICY } : {}),
    });
    if (req.method === "HEAD") return void res.end();
    createReadStream(found.file).pipe(res);
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      if (!res.headersSent) send(req, res, 500, plain, `${message.split("\n")[0]}\n`);
      else res.destroy();
    }
  });

  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 8080, host, () => {
      server.off("error", fail);
      done();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const pollMs = options.pollMs ?? 2000;
  const poll = source.version && pollMs > 0 ? setInterval(() => lookForChange(), pollMs) : null;
  poll?.unref();

  return {
    url: `http://${urlHost(host)}:${port}/`,
    port,
    notifyChanged: (detail) => events.changed(detail),
    close: async () => {
      if (poll) clearInterval(poll);
      events.close();
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
      source.close?.();
    },
  };
}
