/**
 * The viewer's own files: resolving a request path to a file inside one folder, and nothing else.
 * Refuses `..` and `.` segments (plain or percent-encoded), backslashes, NUL bytes, absolute and
 * drive paths, and symbolic links that lead out of the folder.
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Content types of the files the viewer is made of. */
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/** The content type for a file name (by extension), `application/octet-stream` when unknown. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
}

/** Why a path was not served: not allowed at all (400) or just not there (404). */
export type StaticRefusal = "bad-path" | "not-found";

/**
 * The file under `root` that the URL path names (`/` → `index.html`), or why not. `urlPath` is the
 * raw path of the request URL, still percent-encoded, without the query.
 */
export function resolveStatic(root: string, urlPath: string): { file: string } | { refused: StaticRefusal } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { refused: "bad-path" };
  }
  if (!decoded.startsWith("/") || decoded.includes("\0") || decoded.includes("\\")) return { refused: "bad-path" };
  const segments = decoded.split("/").slice(1);
  if (segments.some((s) => s === ".." || s === "." || /^[a-zA-Z]:/.test(s))) return { refused: "bad-path" };
  if (segments.slice(0, -1).some((s) => s === "")) return { refused: "bad-path" };
  const relative = segments.join("/") || "index.html";
  const base = resolve(root);
  const file = resolve(base, relative);
  if (!file.startsWith(base + sep)) return { refused: "bad-path" };
  if (!existsSync(file)) return { refused: "not-found" };
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return { refused: "not-found" };
  }
  const realBase = realpathSync(base);
  if (!real.startsWith(realBase + sep)) return { refused: "bad-path" };
  if (!statSync(real).isFile()) return { refused: "not-found" };
  return { file: real };
}

/**
 * The built viewer's folder: `dist/viewer` beside the running `dist/cli.js`, or, when running from
 * the sources (tests), the project's `dist/viewer`.
 */
export function defaultViewerDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, "viewer"), join(here, "../../dist/viewer"), join(here, "../dist/viewer")]) {
    if (existsSync(join(candidate, "index.html"))) return candidate;
  }
  return join(here, "viewer");
}
