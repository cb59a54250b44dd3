/**
 * What a recorder must remember across a restart: the raw events behind its pre-roll buffers (the
 * newest notifications of each class, with the catalog's buffer sizes) and the latest state pushes
 * (`update/...` messages). A journal keeps exactly these after each save, so a restarted recorder
 * rebuilds the same pre-roll and knowledge it had, and records the next sequence as it would have.
 */
import { CATALOG } from "../catalog";
import type { MessageEvent } from "./events";

/** The retained events, kept in arrival order. */
export class Retention {
  private readonly byClass = new Map<string, { order: number; event: MessageEvent }[]>(CATALOG.map((c) => [c.name, []]));
  private readonly sizes = new Map<string, number>(CATALOG.map((c) => [c.name, c.buffer]));
  private readonly updates = new Map<string, { order: number; event: MessageEvent }>();
  private order = 0;

  /** Notes a notification accepted into its class's pre-roll buffer. */
  notification(className: string, event: MessageEvent): void {
    const ring = this.byClass.get(className);
    if (!ring) return;
    ring.push({ order: this.order++, event });
    if (ring.length > (this.sizes.get(className) ?? 0)) ring.shift();
  }

  /** Notes the latest state push on an update path (a later one replaces it). */
  update(path: string, event: MessageEvent): void {
    this.updates.set(path, { order: this.order++, event });
  }

  /** Every retained event, oldest first. */
  events(): MessageEvent[] {
    const all = [...this.updates.values()];
    for (const ring of this.byClass.values()) all.push(...ring);
    return all.sort((a, b) => a.order - b.order).map((x) => x.event);
  }
}
