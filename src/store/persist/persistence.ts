/**
 * The storage seam: where a database's bytes live. One small interface, one implementation a file
 * (memory for tests and browsers, file for Node). Modelled on Kysely's dialect layer.
 */

/** Where a database's bytes are loaded from and saved to. */
export interface Persistence {
  /** a name for messages (a path, or "(memory)") */
  readonly name: string;
  /** The current bytes, or null when there is no database yet; the caller may change them. */
  load(): Promise<Uint8Array | null>;
  /**
   * Replaces the stored bytes with `bytes`, all or nothing. `bytes` may be a view of the open
   * database's own file (Store.fileImage) that changes at its next write: take them before the first
   * `await`, and copy whatever is kept.
   */
  save(bytes: Uint8Array): Promise<void>;
  /** Releases whatever the adapter holds (locks, handles). */
  close(): Promise<void>;
}
