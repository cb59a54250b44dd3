/** Test bytes for the files a save writes. */
import { growableBytes } from "../../src/store/persist/growable-bytes";

/** `size` bytes of a pattern on page-aligned memory (a resizable buffer, as loaded databases have). */
export function imagePattern(size: number, seed = 7): Uint8Array {
  const bytes = growableBytes(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed + (i >> 12)) & 255;
  return bytes;
}
