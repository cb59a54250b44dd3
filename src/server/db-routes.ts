/**
 * The server's database routes: `GET /db` (the whole file, or with `?since=ID` only the blocks that
 * changed since snapshot ID), `/db/hashes[?snapshot=ID]` (the block hashes of a snapshot) and
 * `/db/blocks?snapshot=&base=&runs=` (chosen blocks of the snapshot served now, for a page that
 * kept a copy between visits). Formats: store/block-delta.ts; which snapshots are known:
 * snapshot-history.ts. The database goes gzipped to another computer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzip } from "node:zlib";
import { promisify } from "node:util";
import { basename } from "node:path";
import type { DatabaseSource } from "./database-source";
import { DELTA_BLOCK_SIZE, SnapshotHistory } from "./snapshot-history";
import { isLoopbackPeer, PLAIN, send } from "./reply";
import { blockCount, encodeBlockDelta, encodeHashList, parseBlockRuns } from "../store/block-delta";

const gzipBytes = promisify(gzip);

/** What the database routes need from the server. */
export interface DatabaseRoutesOptions {
  source: DatabaseSource;
  /** the server's id, which starts every snapshot id */
  serverId: string;
  /** called before the database's bytes are read; answers the change mark that then covers them */
  markBeforeRead: () => string;
  /** when the database goes gzipped (see ServerOptions.gzipDb) */
  gzipDb: "remote" | "always" | "never";
  /** whether `?since=` gets a delta (false: always the whole file) */
  deltaDb: boolean;
}

/** The paths {@link DatabaseRoutes} answers. */
const PATHS = new Set(["/db", "/db/hashes", "/db/blocks"]);

/** Answers the database routes, remembering the snapshots it sent. */
export class DatabaseRoutes {
  private readonly history: SnapshotHistory;
  /** the gzipped form of each snapshot, made once (a snapshot's bytes stay the same object until the data changes) */
  private readonly packed = new WeakMap<Uint8Array, Promise<Buffer>>();

  constructor(private readonly options: DatabaseRoutesOptions) {
    this.history = new SnapshotHistory(options.serverId);
  }

  /** Answers `path` when it is one of the database routes; false when it is not. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): boolean {
    if (!PATHS.has(path)) return false;
    const mark = this.options.markBeforeRead(); // counts every change made before the bytes below were read
    if (path === "/db/hashes") this.hashes(req, res, query, mark);
    else if (path === "/db/blocks") this.blocks(req, res, query, mark);
    else this.database(req, res, query, mark);
    return true;
  }

  /** `/db/hashes`: the block hashes of what is served now, or of a snapshot sent recently (`?snapshot=ID`). */
  private hashes(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, mark: string): void {
    const wanted = query.get("snapshot") ?? this.history.idOf(this.options.source.snapshot());
    this.history.hashList(wanted).then((list) => {
      if (!list) return send(req, res, 404, PLAIN, `snapshot ${wanted} is not one this server sent recently: load /db\n`, { "Cache-Control": "no-store" });
      send(req, res, 200, "application/vnd.pyde1.hashes", encodeHashList(list), { "Cache-Control": "no-store", "X-Pyde1-Changes": mark, "X-Pyde1-Snapshot": list.snapshot });
    }, failed(req, res, "hash the database's blocks"));
  }

  /**
   * `/db/blocks`: blocks of the snapshot served now, for a page that found by their hashes which it
   * lacks (a copy it kept from an earlier visit), as a delta from the page's own `base`.
   */
  private blocks(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, mark: string): void {
    const bytes = this.options.source.snapshot();
    const snapshot = this.history.idOf(bytes);
    const base = query.get("base");
    if (!base || query.get("snapshot") !== snapshot) {
      return send(req, res, 409, PLAIN, `the database is now snapshot ${snapshot}: ask /db/hashes again, or load /db\n`, { "Cache-Control": "no-store", "X-Pyde1-Snapshot": snapshot });
    }
    let blocks: number[];
    try {
      blocks = parseBlockRuns(query.get("runs") ?? "", blockCount(bytes.length, DELTA_BLOCK_SIZE));
    } catch (e) {
      return send(req, res, 400, PLAIN, `${(e as Error).message}\n`);
    }
    const delta = encodeBlockDelta({ base, snapshot, blockSize: DELTA_BLOCK_SIZE }, bytes, blocks);
    this.reply(req, res, bytes, mark, { delta, blocks: blocks.length, base });
  }

  /** `/db`: the whole file, or with `?since=ID` the blocks that changed since snapshot ID (when known). */
  private database(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, mark: string): void {
    const bytes = this.options.source.snapshot();
    const since = query.get("since");
    if (!since || !this.options.deltaDb) return this.reply(req, res, bytes, mark, null);
    this.history.delta(since, bytes).then(
      (made) => this.reply(req, res, bytes, mark, made && { ...made, base: since }),
      failed(req, res, `compare the database with snapshot ${since}`),
    );
  }

  /** Sends the delta `made` of snapshot `bytes`, or the whole of `bytes` when it is null; gzipped to another computer. */
  private reply(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, mark: string, made: { delta: Uint8Array; blocks: number; base: string } | null): void {
    const snapshot = this.history.idOf(bytes);
    const body = made ? made.delta : bytes;
    const name = basename(this.options.source.name).replace(/[^\w.-]/g, "_") || "pyde1.sqlite3";
    const headers: Record<string, string> = {
      "Cache-Control": "no-store",
      "X-Pyde1-Changes": mark,
      // which bytes these are: a page that holds them asks for `?since=` this id next time
      "X-Pyde1-Snapshot": snapshot,
      // the body's own size, for the page's progress bar when it comes gzipped
      "X-Pyde1-Bytes": String(body.length),
      Vary: "Accept-Encoding",
      ...(made
        ? { "X-Pyde1-Delta": made.base, "X-Pyde1-Delta-Blocks": String(made.blocks), "X-Pyde1-Database-Bytes": String(bytes.length) }
        : { "Content-Disposition": `attachment; filename="${name}"` }),
    };
    const type = made ? "application/vnd.pyde1.delta" : "application/vnd.sqlite3";
    const sent = (): void => void setImmediate(() => this.history.settle(bytes)); // hashed once on its way, not before
    if (!this.wantsGzip(req)) {
      send(req, res, 200, type, body, headers);
      return sent();
    }
    (made ? gzipBytes(body, { level: 1 }) : this.packedOf(bytes)).then(
      (gz) => {
        send(req, res, 200, type, gz, { ...headers, "Content-Encoding": "gzip" });
        sent();
      },
      (e: Error) => send(req, res, 500, PLAIN, `could not pack the database: ${e.message}\n`),
    );
  }

  /** True when the answer goes gzipped: a browser that accepts it, on another computer unless `gzipDb` says always or never. */
  private wantsGzip(req: IncomingMessage): boolean {
    const { gzipDb } = this.options;
    return gzipDb !== "never" && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? "")) && (gzipDb === "always" || !isLoopbackPeer(req.socket.remoteAddress));
  }

  /** The snapshot gzipped (fast, level 1: ~5x smaller for pyDE1's files), made once per snapshot. */
  private packedOf(bytes: Uint8Array): Promise<Buffer> {
    let p = this.packed.get(bytes);
    if (!p) {
      p = gzipBytes(bytes, { level: 1 });
      this.packed.set(bytes, p);
      p.catch(() => this.packed.delete(bytes));
    }
    return p;
  }
}

/** An error answer for a step of a route that failed. */
const failed = (req: IncomingMessage, res: ServerResponse, what: string) => (e: Error) => send(req, res, 500, PLAIN, `could not ${what}: ${e.message}\n`);
