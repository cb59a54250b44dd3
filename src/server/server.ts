/**
 * The local server (`pyde1-store serve`): the viewer's files, `GET /db` (a consistent snapshot of
 * the database), a small read-only JSON API and a change-event stream. Binds 127.0.0.1 unless told
 * otherwise; only GET and HEAD; nothing outside the viewer's folder is reachable.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createReadStream, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { DatabaseSource } from "./database-source";
import { contentTypeOf, defaultViewerDir, resolveStatic } from "./static-files";
import { answerApi } from "./api";
import { ChangeEvents } from "./events";
import type { RecorderStatus, StatusReply } from "./recorder-status";
import { DatabaseRoutes } from "./db-routes";
import { COMMON_HEADERS, PLAIN, send } from "./reply";

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

/** The viewer page's policy: its own files only, workers and wasm from itself, data/blob downloads. */
const PAGE_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; connect-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** A host as a URL writes it: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Host names a loopback-bound server answers to (a guard against DNS rebinding). */
function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  const loopback = boundHost === "127.0.0.1" || boundHost === "localhost" || boundHost === "::1";
  if (!loopback) return true;
  if (!hostHeader) return false;
  const name = hostHeader.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return name === "127.0.0.1" || name === "localhost" || name === "::1";
}

/** Starts the server; resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const viewerDir = options.viewerDir ?? defaultViewerDir();
  const { source } = options;
  const events = new ChangeEvents();
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

  const databaseRoutes = new DatabaseRoutes({
    source,
    serverId: events.server,
    // the mark sent with the bytes then counts every change made before they were read
    markBeforeRead: () => {
      lookForChange(true);
      return events.mark;
    },
    gzipDb: options.gzipDb ?? "remote",
    deltaDb: options.deltaDb ?? true,
  });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed(req.headers.host, host)) return send(req, res, 403, PLAIN, "forbidden host\n");
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(req, res, 405, PLAIN, "only GET and HEAD\n", { Allow: "GET, HEAD" });
    }
    const raw = req.url ?? "/";
    if (!raw.startsWith("/")) return send(req, res, 400, PLAIN, "bad request path\n");
    const q = raw.indexOf("?");
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));

    if (databaseRoutes.handle(req, res, path, query)) return;
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
      return found.refused === "bad-path" ? send(req, res, 400, PLAIN, "bad request path\n") : send(req, res, 404, PLAIN, "not found\n");
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
      if (!res.headersSent) send(req, res, 500, PLAIN, `${message.split("\n")[0]}\n`);
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
