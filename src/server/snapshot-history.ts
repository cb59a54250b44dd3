/**
 * The snapshots `/db` has sent, remembered by a hash of each 4 KB block, so that a page holding one
 * of them can be sent only the blocks that changed since (`/db?since=ID`, see store/block-delta.ts).
 * A snapshot's blocks are hashed once (SHA-1 through Node's crypto: ~90 ms for 100 MB here), after
 * it was sent or when a delta needs them, 1 MB at a time with a turn of the event loop between (under
 * `start` the recorder shares this process: its messages must not wait for 100 MB of hashing); its
 * bytes are never held beyond that.
 */
import { hash } from "node:crypto";
import { blockCount, changedBlocks, encodeBlockDelta, worthADelta, type HashList } from "../store/block-delta";

/** The block size deltas use: SQLite's default page size, which pyDE1's files have. */
export const DELTA_BLOCK_SIZE = 4096;
/** Bytes of each block hash kept (the first 8 of its SHA-1). */
const HASH_BYTES = 8;
/** Blocks hashed between two turns of the event loop (1 MB). */
const SLICE_BLOCKS = 256;

/** One snapshot: its id, and its bytes until they are hashed. */
interface Snapshot {
  id: string;
  length: number;
  bytes: Uint8Array | null;
  hashes: Promise<Buffer> | null;
}

/**
 * Hashes of every block of `bytes`, `HASH_BYTES` each, in block order; `sliceBlocks` blocks at a
 * time, with a turn of the event loop between.
 */
export async function blockHashes(bytes: Uint8Array, blockSize = DELTA_BLOCK_SIZE, sliceBlocks = SLICE_BLOCKS): Promise<Buffer> {
  const n = blockCount(bytes.length, blockSize);
  const out = Buffer.alloc(n * HASH_BYTES);
  for (let b = 0; b < n; b++) {
    if (b > 0 && b % sliceBlocks === 0) await new Promise<void>((turn) => setImmediate(turn));
    const digest = hash("sha1", bytes.subarray(b * blockSize, Math.min(bytes.length, (b + 1) * blockSize)), "buffer");
    digest.copy(out, b * HASH_BYTES, 0, HASH_BYTES);
  }
  return out;
}

/** The snapshots this server sent, newest last; ids are `PREFIX-N`. */
export class SnapshotHistory {
  private counter = 0;
  private readonly ids = new WeakMap<Uint8Array, Snapshot>();
  /** the last `keep` snapshots, oldest first */
  private readonly recent: Snapshot[] = [];

  constructor(
    private readonly prefix: string,
    private readonly keep = 4,
  ) {}

  /** The id of a snapshot's bytes (the same bytes object always gets the same id). */
  idOf(bytes: Uint8Array): string {
    return this.entry(bytes).id;
  }

  /** Hashes a sent snapshot's blocks, so its bytes need not be held (call once the reply is on its way). */
  settle(bytes: Uint8Array): void {
    void this.hashesOf(this.entry(bytes));
  }

  /** The block hashes of snapshot `id`, or null when it is not one of the recent ones. */
  async hashList(id: string): Promise<HashList | null> {
    const s = this.recent.find((r) => r.id === id);
    if (!s) return null;
    const hashes = await this.hashesOf(s);
    return { snapshot: s.id, length: s.length, blockSize: DELTA_BLOCK_SIZE, hashBytes: HASH_BYTES, hashes };
  }

  /**
   * The delta from snapshot `baseId` to `bytes`, or null when it cannot be made (the base is unknown:
   * too old, or sent by another server process) or is not worth it (half the file or more changed).
   */
  async delta(baseId: string, bytes: Uint8Array): Promise<{ delta: Uint8Array; blocks: number } | null> {
    const base = await this.hashList(baseId);
    if (!base) return null;
    const next = await this.hashList(this.idOf(bytes));
    const changed = changedBlocks(base, next!);
    if (!worthADelta(changed.length, DELTA_BLOCK_SIZE, bytes.length)) return null;
    return { delta: encodeBlockDelta({ base: base.snapshot, snapshot: next!.snapshot, blockSize: DELTA_BLOCK_SIZE }, bytes, changed), blocks: changed.length };
  }

  /** The snapshot record of `bytes`, made (and the oldest forgotten) the first time they are seen. */
  private entry(bytes: Uint8Array): Snapshot {
    let s = this.ids.get(bytes);
    if (s) return s;
    s = { id: `${this.prefix}-${++this.counter}`, length: bytes.length, bytes, hashes: null };
    this.ids.set(bytes, s);
    this.recent.push(s);
    while (this.recent.length > this.keep) {
      const old = this.recent.shift()!;
      old.bytes = null;
      old.hashes = null;
    }
    // an older snapshot whose reply never settled (e.g. a closed connection) keeps no bytes alive
    // beyond the next one: hash it now, while it is still in memory
    for (const r of this.recent) if (r !== s) void this.hashesOf(r);
    return s;
  }

  /** The snapshot's block hashes, made once; its bytes are let go when they are done. */
  private hashesOf(s: Snapshot): Promise<Buffer> {
    if (!s.hashes) {
      s.hashes = blockHashes(s.bytes!);
      void s.hashes.then(() => (s.bytes = null));
    }
    return s.hashes;
  }
}
