/**
 * In-memory persistence: bytes in, bytes out. For tests and for the browser.
 */
import type { Persistence } from "./persistence";

/** Keeps the saved bytes in memory. */
export class MemoryPersistence implements Persistence {
  readonly name = "(memory)";
  /** how many times save() was called */
  saves = 0;
  private bytes: Uint8Array | null;

  constructor(initial: Uint8Array | null = null) {
    this.bytes = initial;
  }

  /** A copy of the bytes last saved (or given), or null. */
  async load(): Promise<Uint8Array | null> {
    return this.bytes ? this.bytes.slice() : null;
  }

  /** Keeps a copy of `bytes`. */
  async save(bytes: Uint8Array): Promise<void> {
    this.bytes = bytes.slice();
    this.saves++;
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}
