/**
 * The pre-roll: one rolling buffer per recorded class holding its newest notifications, with
 * pyDE1's sizes from the catalog ("about one second, or the last-known value"). When a sequence
 * starts, the buffers are written class by class in catalog order, oldest first.
 */
import { CATALOG } from "../catalog";
import type { MessageEvent } from "./events";
import type { Notification } from "./payload";

/** A buffered notification with the event it came from and that event's place in the input. */
export interface Buffered {
  readonly notification: Notification;
  readonly event: MessageEvent;
  readonly serial: number;
}

/** A fixed-size ring of the newest notifications of one class. */
class RollingBuffer {
  private readonly items: (Buffered | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly size: number) {
    this.items = new Array(size);
  }

  push(n: Buffered): void {
    if (this.size === 0) return;
    this.items[this.next] = n;
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
  }

  /** Oldest first. */
  contents(): Buffered[] {
    const out: Buffered[] = [];
    const start = (this.next - this.count + this.size) % this.size;
    for (let k = 0; k < this.count; k++) out.push(this.items[(start + k) % this.size]!);
    return out;
  }
}

/** The rolling buffers of every recorded class. */
export class PreRoll {
  private readonly buffers = new Map<string, RollingBuffer>(CATALOG.map((c) => [c.name, new RollingBuffer(c.buffer)]));

  /** Adds a notification to its class's buffer, dropping that buffer's oldest when full. */
  push(b: Buffered): void {
    this.buffers.get(b.notification.cls.name)?.push(b);
  }

  /** Every buffered notification, class by class in catalog order, oldest first within a class. */
  *contents(): Iterable<Buffered> {
    for (const cls of CATALOG) yield* this.buffers.get(cls.name)!.contents();
  }
}
