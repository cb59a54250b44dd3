/**
 * Additions to sql.js's own build, applied to its source text before it runs: in Node when the
 * engine is loaded (persist/sqljs-node.ts), in the browser when the viewer's worker is bundled
 * (scripts/build.mjs). sql.js does not expose its memory file system, so the names each addition
 * needs are found by patterns in the minified file. When a pattern is not found (another sql.js
 * build) the function returns null and the caller goes on without that addition. Browser-safe.
 */
import type { Database } from "sql.js";

/** A sql.js Database, which offers `fileImage()` when its engine has {@link fileImagePatch}'s addition. */
export interface ImageDatabase extends Database {
  /** the database file's bytes as sql.js holds them (a view, valid until the next write) */
  fileImage?: () => Uint8Array;
}

/** True when the database's engine offers `fileImage()` ({@link fileImagePatch}). */
export function hasFileImageMethod(db: Database): boolean {
  return typeof (db as ImageDatabase).fileImage === "function";
}

/**
 * The database file's bytes as its engine holds them (a view, no copy, valid until the next
 * write), or null when the engine has no `fileImage()`.
 */
export function fileImageOf(db: Database): Uint8Array | null {
  return hasFileImageMethod(db) ? (db as ImageDatabase).fileImage!() : null;
}

/**
 * A pattern over minified code: after each literal comma, semicolon, `=`, `:`, brace, bracket,
 * parenthesis, `?`, `|` or `.`, the line break a minifier may put there is allowed (the browser
 * build of sql.js 1.16 breaks `read(a,\nb,…` where the Node build does not).
 */
function loose(source: string): RegExp {
  return new RegExp(source.replace(/(\\[(){}[\]?|.]|[,;=:])/g, "$1\\s*"));
}

/** The text of a match with every whitespace character a minifier inserted taken out of captured names. */
const name = (s: string): string => s.replace(/\s+/g, "");

/** The names of a memory-file-system file's bytes (`contents`) and used length (`used`) in this build. */
function memfsNames(source: string): { contents: string; used: string } | null {
  // The MEMFS read: `read(stream,buffer,offset,length,position){if(position>=stream.node.USED)return 0;
  // length=Math.min(stream.node.USED-position,length);buffer.set(stream.node.CONTENTS.subarray(...`
  const read = loose(
    String.raw`read\(([\w$]+),([\w$]+),([\w$]+),([\w$]+),([\w$]+)\)\{if\(\5>=\1\.node\.([\w$]+)\)return 0;\4=Math\.min\(\1\.node\.\6-\5,\4\);\2\.set\(\1\.node\.([\w$]+)\.subarray\(\5,\5\+\4\),\3\);return \4\}`,
  ).exec(source);
  return read ? { used: name(read[6]), contents: name(read[7]) } : null;
}

/**
 * Adds `Database.prototype.fileImage()`: a view of the database file as it lies in sql.js's memory
 * file system (no copy; valid until the next write), or null when the build's names were not found.
 */
export function fileImagePatch(source: string): string | null {
  const memfs = memfsNames(source);
  // In Database.export: `var NODE=LOOKUP(name).node,...,WRITE=NODE.STREAM_OPS.write;`
  const lookup = loose(String.raw`var ([\w$]+)=([\w$]+)\(([\w$]+)\)\.node,[\w$]+=null,[\w$]+=\1\.[\w$]+\.write;`).exec(source);
  // Where the Database class's methods are given their public names.
  const exported = loose(String.raw`([\w$]+)\.prototype\["export"\]=\1\.prototype\.[\w$]+;`).exec(source);
  if (!memfs || !lookup || !exported) return null;
  const lookupPath = name(lookup[2]);
  const cls = name(exported[1]);
  const method =
    `${cls}.prototype.fileImage=function(){if(!this.db)throw Error("Database closed");` +
    `var n=${lookupPath}(this.filename).node;return n.${memfs.contents}.subarray(0,n.${memfs.used})};`;
  const at = exported.index + exported[0].length;
  return source.slice(0, at) + method + source.slice(at);
}

/**
 * Makes the memory file system's growth of a file call `grow(contents, used, need)` (a global of
 * that name when the patched source runs) instead of allocating a larger buffer and copying the
 * file into it; null when the build's growth code is not found. In the MEMFS write:
 * `CAP>=NEED||(NEED=Math.max(NEED,CAP*(CAP<1048576?2:1.125)>>>0),CAP&&(NEED=Math.max(NEED,256)),
 * CAP=NODE.CONTENTS.subarray(0,NODE.USED),NODE.CONTENTS=new Uint8Array(NEED),NODE.CONTENTS.set(CAP))`.
 */
export function growthPatch(source: string, grow: string): string | null {
  const growth = loose(
    String.raw`([\w$]+)>=([\w$]+)\|\|\(\2=Math\.max\(\2,\1\*\(\1<1048576\?2:1\.125\)>>>0\),\1&&\(\2=Math\.max\(\2,256\)\),\1=([\w$]+)\.([\w$]+)\.subarray\(0,\3\.([\w$]+)\),\3\.\4=new Uint8Array\(\2\),\3\.\4\.set\(\1\)\)`,
  ).exec(source);
  if (!growth) return null;
  const [, cap, need, node, contents, used] = growth.map(name);
  const grown = `${cap}>=${need}||(${node}.${contents}=${grow}(${node}.${contents},${node}.${used},${need}))`;
  return source.slice(0, growth.index) + grown + source.slice(growth.index + growth[0].length);
}

/**
 * Makes `new SQL.Database(bytes)` take `bytes` as its file instead of copying them into a new
 * buffer; null when the build's code is not found. (Emscripten's "can own" write would do it, but
 * sql.js never asks for it, and its minified build dropped the parameter.) After this the caller
 * must not use `bytes` for anything else: they are the database's file, and its writes change
 * them. For the viewer's worker, which hands each database bytes it alone owns (a download, a
 * patched copy); not for Node, where callers reuse the bytes they open. In createDataFile:
 * `DATA.subarray||(DATA=new Uint8Array(DATA)),CHMOD(NODE,MODE|146),STREAM=OPEN(NODE,577),
 * WRITE(STREAM,DATA,0,DATA.length,0),CLOSE(STREAM)`: the write becomes an assignment of the
 * stream's file's bytes and length.
 */
export function adoptBytesPatch(source: string): string | null {
  const memfs = memfsNames(source);
  const write = loose(
    String.raw`([\w$]+)\.subarray\|\|\(\1=new Uint8Array\(\1\)\),([\w$]+)\(([\w$]+),([\w$]+)\|146\),([\w$]+)=([\w$]+)\(\3,577\),([\w$]+\(\5,\1,0,\1\.length,0\))`,
  ).exec(source);
  if (!memfs || !write) return null;
  const [data, stream] = [name(write[1]), name(write[5])];
  const at = write.index + write[0].length - write[7].length; // where the write call starts
  const assign = `(${stream}.node.${memfs.contents}=${data},${stream}.node.${memfs.used}=${data}.length)`;
  return source.slice(0, at) + assign + source.slice(write.index + write[0].length);
}

/**
 * The viewer worker's sql.js: {@link fileImagePatch} and {@link adoptBytesPatch} together, or null
 * when either is not found (the worker then keeps its own copy of a snapshot, as without both).
 */
export function viewerEnginePatch(source: string): string | null {
  const withImage = fileImagePatch(source);
  return withImage === null ? null : adoptBytesPatch(withImage);
}
