/**
 * Writes waiting for the next commit. The recorder queues every database write here and commits
 * them together in one transaction (when the queue is long, when a sequence ends, or when the
 * caller asks), so the store is never left inside an open transaction between events: a saver may
 * export at any time after a flush.
 */
import type { Store } from "../store/store";
import type { Log } from "./log";

/** A queue of writes committed together. */
export class PendingWrites {
  private queue: (() => void)[] = [];
  /** when true, writes are dropped (the recorder is rebuilding state from events already stored) */
  muted = false;
  /**
   * when true, writes are kept and not committed (a save is writing the database's bytes, which
   * must not change under it); the first flush after it is lifted commits them all
   */
  held = false;

  constructor(
    private readonly store: Store,
    private readonly log: Log,
    private readonly onError: () => void,
  ) {}

  /** How many writes wait for the next commit. */
  get length(): number {
    return this.queue.length;
  }

  /** Queues one write. */
  add(write: () => void): void {
    if (!this.muted) this.queue.push(write);
  }

  /**
   * Commits every queued write in one transaction. A write the database refuses is logged and
   * skipped; the others are kept. Returns the number of writes committed. When the transaction
   * cannot begin (someone else holds one), or while {@link held}, the writes stay queued for the
   * next flush.
   */
  flush(): number {
    if (this.queue.length === 0 || this.held) return 0;
    const work = this.queue;
    try {
      this.store.transaction(() => {
        for (const write of work) {
          try {
            write();
          } catch (e) {
            this.onError();
            this.log("error", `recorder: the database refused a write: ${(e as Error).message}`);
          }
        }
      });
    } catch (e) {
      this.log("error", `recorder: could not commit ${work.length} writes (kept for the next commit): ${(e as Error).message}`);
      return 0;
    }
    this.queue = [];
    return work.length;
  }
}
