/**
 * Bytes that grow in place: the database file as sql.js's memory file system holds it, on a
 * resizable ArrayBuffer. sql.js's own file system grows a file by allocating a buffer 1/8 larger
 * and copying the whole file into it; for a 500 MB database the first write after opening it
 * copied 500 MB (0.8–1.3 s on the test machine) and held the file twice in memory until the old
 * copy was collected, which a 1 GB Raspberry Pi does not have. A resizable buffer reserves address
 * space only; growing it commits more of it, and nothing is copied.
 *
 * Engines without resizable ArrayBuffers (or a reservation the system refuses, e.g. on a 32-bit
 * system) get plain bytes and sql.js's own growth.
 */

/** The largest reservation tried: V8's limit for one ArrayBuffer's `maxByteLength` (4 GiB). */
export const MAX_RESERVATION = 2 ** 32;

/** Below this, a file grows by doubling (as sql.js does); above, by 1/8 of its size. */
const DOUBLING_LIMIT = 1024 * 1024;

type Resizable = ArrayBuffer & { resizable?: boolean; maxByteLength?: number; resize?(length: number): void };

/** True when this engine has resizable ArrayBuffers. */
export function canGrowInPlace(): boolean {
  return typeof (ArrayBuffer.prototype as Resizable).resize === "function";
}

/**
 * `size` bytes (zeroed) on a buffer that can later grow in place up to the largest reservation the
 * system grants (4 GiB, else 1 GiB, else twice `size`); plain bytes when it grants none.
 */
export function growableBytes(size: number): Uint8Array {
  if (canGrowInPlace()) {
    for (const reserve of [MAX_RESERVATION, 2 ** 30, 2 * size]) {
      if (reserve < size) continue;
      try {
        return new Uint8Array(new (ArrayBuffer as new (n: number, o: object) => ArrayBuffer)(size, { maxByteLength: reserve }));
      } catch {
        // refused (RangeError): try a smaller reservation
      }
    }
  }
  return new Uint8Array(size);
}

/** The capacity to grow to from `current` when `need` bytes must fit. */
function nextCapacity(current: number, need: number): number {
  const step = current < DOUBLING_LIMIT ? current * 2 : current + Math.ceil(current / 8);
  return Math.max(need, step, 256);
}

/**
 * A file's contents with room for at least `need` bytes, the first `used` bytes kept: the same
 * buffer grown in place when it is resizable and its reservation allows, else a new growable
 * buffer with the used bytes copied in (once; later growth is in place).
 */
export function growFileBytes(contents: Uint8Array | null | undefined, used: number, need: number): Uint8Array {
  const buffer = contents?.buffer as Resizable | undefined;
  if (contents && buffer?.resizable && contents.byteOffset === 0 && need <= (buffer.maxByteLength ?? 0)) {
    buffer.resize!(Math.min(buffer.maxByteLength!, nextCapacity(buffer.byteLength, need)));
    return new Uint8Array(buffer); // tracks the buffer's length
  }
  const grown = growableBytes(nextCapacity(contents?.length ?? 0, need));
  if (contents && used > 0) grown.set(contents.subarray(0, used));
  return grown;
}
