/**
 * The block delta format (store/block-delta.ts): what it writes turns the base into the next bytes
 * exactly, whether the file grew, shrank or kept its length; a damaged delta, or one that lacks a
 * block the base does not hold, is refused before a byte of the base is touched. Hash lists and
 * block runs (a kept copy's sync) read back what was written, and bad ones are refused.
 */
import { describe, expect, it } from "vitest";
import {
  applyBlockDelta,
  BlockDeltaError,
  blockRunsText,
  changedBlocks,
  encodeBlockDelta,
  encodeHashList,
  parseBlockRuns,
  readDeltaHeader,
  readHashList,
  type HashList,
} from "../../src/store/block-delta";

const BLOCK = 16;

/** Deterministic bytes: `n` of them from `seed`. */
function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Block numbers where `a` and `b` differ (any block of `b` past the end of `a` counts). */
function differing(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i * BLOCK < b.length; i++) {
    const x = a.subarray(i * BLOCK, (i + 1) * BLOCK);
    const y = b.subarray(i * BLOCK, (i + 1) * BLOCK);
    if (x.length !== y.length || x.some((v, k) => v !== y[k])) out.push(i);
  }
  return out;
}

describe("block delta", () => {
  const base = bytesOf(10 * BLOCK, 1);

  it("makes the next bytes exactly: same length (patched in place), grown by a partial block, shrunk", () => {
    const same = base.slice();
    same[3 * BLOCK + 2] ^= 0xff;
    same[7 * BLOCK] ^= 0x01;
    const grown = new Uint8Array(12 * BLOCK + 5);
    grown.set(base);
    grown.set(bytesOf(2 * BLOCK + 5, 2), 10 * BLOCK);
    grown[0] = 9;
    const shrunk = base.slice(0, 6 * BLOCK + 3);
    for (const next of [same, grown, shrunk]) {
      const changed = differing(base, next);
      const delta = encodeBlockDelta({ base: "a-1", snapshot: "a-2", blockSize: BLOCK }, next, changed);
      expect(readDeltaHeader(delta)).toEqual({ base: "a-1", snapshot: "a-2", blockSize: BLOCK, length: next.length, blocks: changed.length });
      const held = base.slice();
      const made = applyBlockDelta(held, delta);
      expect([...made]).toEqual([...next]);
      expect(made === held).toBe(next.length === base.length);
    }
    expect(differing(base, same)).toEqual([3, 7]);
  });

  it("an empty delta (nothing changed) gives the base back", () => {
    const delta = encodeBlockDelta({ base: "a-1", snapshot: "a-1", blockSize: BLOCK }, base, []);
    const held = base.slice();
    expect([...applyBlockDelta(held, delta)]).toEqual([...base]);
  });

  it("refuses a damaged delta, or one that lacks a block past the base's end, and leaves the base as it was", () => {
    const next = base.slice();
    next[5] ^= 0xff;
    next[9 * BLOCK + 1] ^= 0xff;
    const good = encodeBlockDelta({ base: "a-1", snapshot: "a-2", blockSize: BLOCK }, next, [0, 9]);
    const grown = new Uint8Array(11 * BLOCK);
    grown.set(base);
    grown.fill(7, 10 * BLOCK);
    const outOfOrder = good.slice();
    const view = new DataView(outOfOrder.buffer);
    const indexAt = 12 + 4 + view.getUint32(12, true);
    view.setUint32(indexAt, 9, true);
    view.setUint32(indexAt + 4, 0, true);
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, good.length - 1), /holds 31 bytes of blocks, 32 expected/],
      [good.subarray(0, 20), /cut short/],
      [Uint8Array.of(...new TextEncoder().encode("SQLite format 3\0")), /not a database delta/],
      [outOfOrder, /block 0 is out of order/],
      [encodeBlockDelta({ base: "a-1", snapshot: "a-2", blockSize: BLOCK }, grown, [0]), /lacks block 10, which the base does not hold/],
    ];
    for (const [delta, message] of cases) {
      const held = base.slice();
      expect(() => applyBlockDelta(held, delta)).toThrow(BlockDeltaError);
      expect(() => applyBlockDelta(held, delta)).toThrow(message);
      expect([...held]).toEqual([...base]);
    }
  });
});

describe("hash lists and block runs (a copy kept between visits)", () => {
  /** A hash list of `length` bytes whose block `b` hashes to [b, salt]. */
  const list = (length: number, salt: (b: number) => number, snapshot = "s-1"): HashList => {
    const blocks = Math.ceil(length / BLOCK);
    const hashes = new Uint8Array(blocks * 2);
    for (let b = 0; b < blocks; b++) hashes.set([b & 0xff, salt(b)], b * 2);
    return { snapshot, length, blockSize: BLOCK, hashBytes: 2, hashes };
  };

  it("reads back a hash list as written, and refuses one that is cut short or is not one", () => {
    const l = list(10 * BLOCK + 3, () => 7);
    const bytes = encodeHashList(l);
    expect(readHashList(bytes)).toEqual(l);
    expect(() => readHashList(bytes.subarray(0, bytes.length - 1))).toThrow(/holds 21 bytes of hashes, 22 expected/);
    expect(() => readHashList(new TextEncoder().encode("SQLite format 3\0 and more"))).toThrow(BlockDeltaError);
  });

  it("finds the blocks a holder lacks: those whose hashes differ, and every block from its last partial one on", () => {
    const held = list(6 * BLOCK + 5, () => 1, "old");
    const next = list(9 * BLOCK, (b) => (b === 2 || b === 4 ? 9 : 1), "new");
    expect(changedBlocks(held, next)).toEqual([2, 4, 6, 7, 8]);
    expect(changedBlocks(next, next)).toEqual([]);
    expect(changedBlocks(next, list(3 * BLOCK, (b) => (b === 2 ? 9 : 1)))).toEqual([]); // shrunk: nothing to fetch
    expect(() => changedBlocks(held, { ...next, blockSize: 32 })).toThrow(/different blocks or hashes/);
  });

  it("writes block numbers as runs for a URL and reads them back; refuses runs out of order, past the end or malformed", () => {
    const blocks = [0, 1, 2, 9, 40, 41, 1000, 1001, 1002, 1003];
    const text = blockRunsText(blocks);
    expect(text).toBe("0-3.9-1.14-2.rs-4");
    expect(encodeURIComponent(text)).toBe(text);
    expect(parseBlockRuns(text, 1004)).toEqual(blocks);
    expect(parseBlockRuns("", 10)).toEqual([]);
    expect(() => parseBlockRuns(text, 1003)).toThrow(/beyond the file's 1003 blocks/);
    expect(() => parseBlockRuns("9-1.0-3", 100)).toThrow(/out of order/);
    expect(() => parseBlockRuns("0-0", 100)).toThrow(BlockDeltaError);
    expect(() => parseBlockRuns("0+3", 100)).toThrow(/not a run of blocks/);
  });
});
