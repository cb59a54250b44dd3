/**
 * Getting database bytes into the page: from a URL (the server's `/db`, or `?db=URL`) or from
 * picked / dropped files (a `.sqlite3` and, when picked alongside, its `-wal`), with progress.
 */

/** Progress callback: bytes so far, and the total when known. */
export type Progress = (loaded: number, total: number | null) => void;

/** A database file and the `-wal` that belongs to it, when one was given. */
export interface PickedDatabase {
  db: File;
  wal: File | null;
}

/**
 * Reads a byte stream to the end into one ArrayBuffer, reporting progress. Each piece is copied
 * once, into a buffer of the announced length (grown when more arrives, e.g. a compressed
 * response), not kept and joined at the end: for a 100 MB database that join took ~0.3 s.
 */
async function readAll(stream: ReadableStream<Uint8Array>, total: number | null, progress: Progress): Promise<ArrayBuffer> {
  const reader = stream.getReader();
  let out = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > out.length) {
      const bigger = new Uint8Array(Math.max(out.length * 2, loaded + value.length));
      bigger.set(out.subarray(0, loaded));
      out = bigger;
    }
    out.set(value, loaded);
    loaded += value.length;
    const now = performance.now();
    if (now - lastReport > 50) {
      lastReport = now;
      progress(loaded, total);
    }
  }
  progress(loaded, total);
  return loaded === out.length ? out.buffer : out.slice(0, loaded).buffer;
}

/** The file name a response suggests (Content-Disposition), else the last part of the URL. */
function responseName(res: Response, url: string): string {
  const m = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") ?? "");
  if (m) return m[1];
  return decodeURIComponent(new URL(url, globalThis.location?.href).pathname.split("/").pop() || "database");
}

/**
 * Fetches a database from a URL; throws with the URL and status when it fails. With `since` (the
 * snapshot id of bytes the page holds), our server may answer with only the blocks that changed
 * since (`delta` set; see store/block-delta.ts).
 */
export async function fetchDatabase(url: string, progress: (name: string) => Progress, since: string | null = null): Promise<FetchedDatabase> {
  const asked = since ? `${url}${url.includes("?") ? "&" : "?"}since=${encodeURIComponent(since)}` : url;
  const res = await fetch(asked, { cache: "no-store" });
  if (!res.ok) throw new Error(`could not load ${url}: HTTP ${res.status} ${res.statusText}`);
  const name = responseName(res, url);
  const mark = parseChangeMark(res.headers.get("X-Pyde1-Changes"));
  const snapshot = res.headers.get("X-Pyde1-Snapshot");
  const delta = since !== null && res.headers.get("X-Pyde1-Delta") === since;
  // a body that comes gzipped (to another computer) has its own size in X-Pyde1-Bytes
  const packed = res.headers.get("Content-Encoding") !== null;
  const length = Number(res.headers.get("X-Pyde1-Bytes") ?? (packed ? NaN : res.headers.get("Content-Length")));
  const bytes = res.body ? await readAll(res.body, Number.isFinite(length) && length > 0 ? length : null, progress(name)) : await res.arrayBuffer();
  return { bytes, name, mark, snapshot, delta };
}

/** A database fetched from a URL. */
export interface FetchedDatabase {
  /** the database file, or with `delta` the changed blocks */
  bytes: ArrayBuffer;
  name: string;
  /** our server's change mark for these bytes (`X-Pyde1-Changes`), when it sent one */
  mark: ChangeMark | null;
  /** our server's id of the database these bytes are or make (`X-Pyde1-Snapshot`), when it sent one */
  snapshot: string | null;
  /** true when `bytes` is a delta from the `since` snapshot, not a whole file */
  delta: boolean;
}

/** Which server process served a database, and how many change events it had sent before. */
export interface ChangeMark {
  server: string;
  changes: number;
}

/** `SERVER/CHANGES` → a mark; null for anything else. */
export function parseChangeMark(text: string | null): ChangeMark | null {
  const m = /^([\w-]+)\/(\d+)$/.exec(text ?? "");
  return m ? { server: m[1], changes: Number(m[2]) } : null;
}

/** True when an announced change is not in the bytes of mark `shown`: a higher count, or another server. */
export function isNewer(announced: ChangeMark, shown: ChangeMark): boolean {
  return announced.server !== shown.server || announced.changes > shown.changes;
}

/**
 * The bytes of a gzipped file (a `backup --compress gzip` copy) unpacked by the browser's own
 * DecompressionStream; any other bytes as they are.
 */
export async function gunzipIfGzip(name: string, bytes: ArrayBuffer): Promise<ArrayBuffer> {
  const head = new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength));
  if (head[0] !== 0x1f || head[1] !== 0x8b) return bytes;
  try {
    return await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  } catch (e) {
    throw new Error(`${name}: a gzip file that does not unpack (${(e as Error).message}): the backup is damaged or cut short`);
  }
}

/** Reads a picked file with progress. */
export function readFile(file: File, progress: Progress): Promise<ArrayBuffer> {
  return readAll(file.stream(), file.size, progress);
}

/**
 * Finds the database among picked files, and its `-wal` (same name + `-wal`). With only a `-wal`
 * picked, or no file, explains what to pick.
 */
export function pairFiles(files: File[]): PickedDatabase {
  const wals = files.filter((f) => f.name.endsWith("-wal"));
  const others = files.filter((f) => !f.name.endsWith("-wal") && !f.name.endsWith("-shm") && !f.name.endsWith("-journal"));
  if (others.length === 0) {
    throw new Error(wals.length ? "pick the database file together with its -wal (both at once)" : "no database file was picked");
  }
  const db = others.find((f) => wals.some((w) => w.name === `${f.name}-wal`)) ?? others[0];
  const wal = wals.find((w) => w.name === `${db.name}-wal`) ?? null;
  return { db, wal };
}

/** "12.3 MB" */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
