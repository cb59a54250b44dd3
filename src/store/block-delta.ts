/**
 * A database snapshot's changes as whole blocks: what turns the bytes of one snapshot the server
 * sent into the next. After a shot only a few hundred 4 KB blocks of a pyDE1 file differ (new
 * pages at its end, the right edges of its b-trees), so a page that holds the last snapshot
 * downloads those instead of the whole file again.
 *
 * The format (all integers little-endian):
 * - 12 bytes: `PYDE1DELTA1\n`;
 * - u32: length of the header that follows; the header: JSON {@link DeltaHeader};
 * - u32 × `blocks`: the changed block numbers, ascending;
 * - each block's new bytes, in the same order: `blockSize` bytes, or what is left of the file for
 *   its last block.
 *
 * Browser-safe: no `node:*` imports.
 */

/** The first bytes of every delta. */
const MAGIC = "PYDE1DELTA1\n";

/** Thrown when a delta is damaged or belongs to other bytes; the caller loads the whole file instead. */
export class BlockDeltaError extends Error {
  override name = "BlockDeltaError";
}

/** What a delta says about itself. */
export interface DeltaHeader {
  /** the snapshot the delta applies to */
  base: string;
  /** the snapshot it makes */
  snapshot: string;
  /** the new snapshot's length in bytes */
  length: number;
  /** the size of a block, bytes */
  blockSize: number;
  /** how many blocks follow */
  blocks: number;
}

/** Bytes of `length` in blocks of `blockSize`: how many blocks, the last one possibly short. */
export function blockCount(length: number, blockSize: number): number {
  return Math.ceil(length / blockSize);
}

/** Writes a delta: the blocks `changed` (ascending block numbers) of `next`, for a holder of `header.base`. */
export function encodeBlockDelta(header: Omit<DeltaHeader, "blocks" | "length">, next: Uint8Array, changed: readonly number[]): Uint8Array {
  const { blockSize } = header;
  const head = new TextEncoder().encode(JSON.stringify({ ...header, length: next.length, blocks: changed.length } satisfies DeltaHeader));
  let data = 0;
  for (const b of changed) data += Math.min(blockSize, next.length - b * blockSize);
  const out = new Uint8Array(MAGIC.length + 4 + head.length + 4 * changed.length + data);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(MAGIC.length, head.length, true);
  out.set(head, MAGIC.length + 4);
  let at = MAGIC.length + 4 + head.length;
  for (const b of changed) {
    view.setUint32(at, b, true);
    at += 4;
  }
  for (const b of changed) {
    const block = next.subarray(b * blockSize, Math.min(next.length, (b + 1) * blockSize));
    out.set(block, at);
    at += block.length;
  }
  return out;
}

/** Reads a delta's header (checking its first bytes), without applying it. */
export function readDeltaHeader(delta: Uint8Array): DeltaHeader {
  const magic = new TextDecoder().decode(delta.subarray(0, MAGIC.length));
  if (delta.length < MAGIC.length + 4 || magic !== MAGIC) throw new BlockDeltaError("not a database delta (its first bytes are not PYDE1DELTA1)");
  const view = new DataView(delta.buffer, delta.byteOffset, delta.byteLength);
  const headLength = view.getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + headLength > delta.length) throw new BlockDeltaError("the delta is cut short inside its header");
  let header: DeltaHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(delta.subarray(MAGIC.length + 4, MAGIC.length + 4 + headLength))) as DeltaHeader;
  } catch (e) {
    throw new BlockDeltaError(`the delta's header is not JSON: ${(e as Error).message}`);
  }
  const whole = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  if (typeof header.base !== "string" || typeof header.snapshot !== "string" || !whole(header.length) || !whole(header.blocks) || !whole(header.blockSize) || header.blockSize === 0) {
    throw new BlockDeltaError("the delta's header lacks base, snapshot, length, blockSize or blocks");
  }
  return header;
}

/**
 * The bytes of the delta's snapshot, made from `base` (the bytes of the snapshot it names as its
 * base): patched in place when the length stays, else in a new array. Everything is checked before
 * a byte is written, so a damaged delta leaves `base` as it was.
 */
export function applyBlockDelta(base: Uint8Array, delta: Uint8Array): Uint8Array {
  const header = readDeltaHeader(delta);
  const { blockSize, length, blocks } = header;
  const view = new DataView(delta.buffer, delta.byteOffset, delta.byteLength);
  const indexAt = MAGIC.length + 4 + view.getUint32(MAGIC.length, true);
  let dataAt = indexAt + 4 * blocks;
  if (dataAt > delta.length) throw new BlockDeltaError("the delta is cut short inside its block list");
  const total = blockCount(length, blockSize);
  const changed = new Set<number>();
  let data = 0;
  let previous = -1;
  for (let i = 0; i < blocks; i++) {
    const b = view.getUint32(indexAt + 4 * i, true);
    if (b <= previous || b >= total) throw new BlockDeltaError(`the delta's block ${b} is out of order or beyond the file's ${total} blocks`);
    previous = b;
    changed.add(b);
    data += Math.min(blockSize, length - b * blockSize);
  }
  if (dataAt + data !== delta.length) throw new BlockDeltaError(`the delta holds ${delta.length - dataAt} bytes of blocks, ${data} expected`);
  // a file that grew needs every block from the base's last (possibly partial) one on
  for (let b = Math.floor(base.length / blockSize); b < total; b++) {
    if (!changed.has(b)) throw new BlockDeltaError(`the delta lacks block ${b}, which the base does not hold`);
  }
  let out = base;
  if (length !== base.length) {
    out = new Uint8Array(length);
    out.set(base.subarray(0, Math.min(length, base.length)));
  }
  for (let i = 0; i < blocks; i++) {
    const b = view.getUint32(indexAt + 4 * i, true);
    const size = Math.min(blockSize, length - b * blockSize);
    out.set(delta.subarray(dataAt, dataAt + size), b * blockSize);
    dataAt += size;
  }
  return out;
}

/** The first bytes of every block hash list. */
const HASHES_MAGIC = "PYDE1HASHES1\n";

/** What a block hash list says about itself. */
export interface HashListHeader {
  /** the snapshot whose blocks these are */
  snapshot: string;
  /** its length in bytes */
  length: number;
  /** the size of a block, bytes */
  blockSize: number;
  /** bytes of each block's hash */
  hashBytes: number;
}

/** A snapshot's block hashes: `hashBytes` bytes for each block, in block order. */
export interface HashList extends HashListHeader {
  hashes: Uint8Array;
}

/**
 * Writes a block hash list: `PYDE1HASHES1\n`, a u32 (little-endian) header length, the JSON
 * {@link HashListHeader}, then the hashes.
 */
export function encodeHashList(list: HashList): Uint8Array {
  const { hashes, ...header } = list;
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(HASHES_MAGIC.length + 4 + head.length + hashes.length);
  out.set(new TextEncoder().encode(HASHES_MAGIC), 0);
  new DataView(out.buffer).setUint32(HASHES_MAGIC.length, head.length, true);
  out.set(head, HASHES_MAGIC.length + 4);
  out.set(hashes, HASHES_MAGIC.length + 4 + head.length);
  return out;
}

/** Reads a block hash list (see {@link encodeHashList}); throws {@link BlockDeltaError} when it is not one. */
export function readHashList(bytes: Uint8Array): HashList {
  const magic = new TextDecoder().decode(bytes.subarray(0, HASHES_MAGIC.length));
  if (bytes.length < HASHES_MAGIC.length + 4 || magic !== HASHES_MAGIC) throw new BlockDeltaError("not a block hash list (its first bytes are not PYDE1HASHES1)");
  const headLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(HASHES_MAGIC.length, true);
  const at = HASHES_MAGIC.length + 4 + headLength;
  let header: HashListHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(HASHES_MAGIC.length + 4, at))) as HashListHeader;
  } catch (e) {
    throw new BlockDeltaError(`the hash list's header is not JSON: ${(e as Error).message}`);
  }
  const { snapshot, length, blockSize, hashBytes } = header;
  const whole = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n > 0;
  if (typeof snapshot !== "string" || !whole(blockSize) || !whole(hashBytes) || !(whole(length) || length === 0)) {
    throw new BlockDeltaError("the hash list's header lacks snapshot, length, blockSize or hashBytes");
  }
  const hashes = bytes.slice(at);
  if (hashes.length !== blockCount(length, blockSize) * hashBytes) throw new BlockDeltaError(`the hash list holds ${hashes.length} bytes of hashes, ${blockCount(length, blockSize) * hashBytes} expected`);
  return { snapshot, length, blockSize, hashBytes, hashes };
}

/**
 * The blocks of `next` that a holder of `held` lacks: those whose hashes differ, and every block
 * from the last (possibly partial) block of `held` on. Both lists must use the same block size
 * and hash.
 */
export function changedBlocks(held: HashList, next: HashList): number[] {
  if (held.blockSize !== next.blockSize || held.hashBytes !== next.hashBytes) {
    throw new BlockDeltaError("the two hash lists use different blocks or hashes");
  }
  const h = next.hashBytes;
  const fullHeld = Math.floor(held.length / held.blockSize);
  const out: number[] = [];
  for (let b = 0; b < blockCount(next.length, next.blockSize); b++) {
    if (b >= fullHeld) {
      out.push(b);
      continue;
    }
    for (let k = 0; k < h; k++) {
      if (held.hashes[b * h + k] !== next.hashes[b * h + k]) {
        out.push(b);
        break;
      }
    }
  }
  return out;
}

/**
 * True when sending `blocks` of a file of `length` bytes is worth it rather than the whole file:
 * less than half of it (nothing at all, too).
 */
export function worthADelta(blocks: number, blockSize: number, length: number): boolean {
  return blocks === 0 || blocks * blockSize * 2 < length;
}

/** Ascending block numbers as runs in a short text (`start-count` in base 36, joined by `.`), for a URL. */
export function blockRunsText(blocks: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < blocks.length; ) {
    let j = i;
    while (j + 1 < blocks.length && blocks[j + 1] === blocks[j] + 1) j++;
    runs.push(`${blocks[i].toString(36)}-${(j - i + 1).toString(36)}`);
    i = j + 1;
  }
  return runs.join(".");
}

/** The block numbers of {@link blockRunsText}'s text; throws when it is malformed, unordered or past `total` blocks. */
export function parseBlockRuns(text: string, total: number): number[] {
  const out: number[] = [];
  if (text === "") return out;
  for (const run of text.split(".")) {
    const m = /^([0-9a-z]{1,8})-([0-9a-z]{1,8})$/.exec(run);
    if (!m) throw new BlockDeltaError(`'${run.slice(0, 40)}' is not a run of blocks (START-COUNT in base 36)`);
    const start = parseInt(m[1], 36);
    const count = parseInt(m[2], 36);
    if (count < 1 || start + count > total || (out.length > 0 && start <= out[out.length - 1])) {
      throw new BlockDeltaError(`the run ${run} is out of order or beyond the file's ${total} blocks`);
    }
    for (let b = start; b < start + count; b++) out.push(b);
  }
  return out;
}
