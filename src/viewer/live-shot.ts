/**
 * The live view: the sequence the page's server is recording right now (under `start` or
 * `serve --record`), read from `GET /api/sequences/ID/series` once a second while it is watched,
 * until the sequence has ended. The server reads it from the recorder's own Store, so what shows is
 * what the recorder holds (it commits every 100 ms), about a second old at most.
 */
import type { ShotSeries } from "./protocol";

/** What the live view does with what it reads. */
export interface LiveShotHooks {
  /** the sequence as it is now */
  show(series: ShotSeries): void;
  /** the watched sequence has ended (its end time is set, or the recorder closed it) */
  ended(id: string): void;
}

/** How often the watched sequence is read, ms. */
const POLL_MS = 1000;

/** Watches one sequence at a time. */
export class LiveShot {
  private id: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly hooks: LiveShotHooks) {}

  /** The id of the sequence being watched, or null. */
  get watching(): string | null {
    return this.id;
  }

  /** Starts watching `id` (and stops watching any other). */
  watch(id: string): void {
    this.stop();
    this.id = id;
    void this.poll(id);
  }

  /** The watched sequence has ended: stop reading it and say so. */
  end(): void {
    const id = this.id;
    this.stop();
    if (id !== null) this.hooks.ended(id);
  }

  /** Stops watching, saying nothing (the user turned to another shot). */
  stop(): void {
    this.id = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async poll(id: string): Promise<void> {
    this.timer = null;
    try {
      const reply = await fetch(`api/sequences/${encodeURIComponent(id)}/series`, { cache: "no-store" });
      // 404: the recorder has not written the sequence's first row yet; anything else, try again
      const series = reply.ok ? ((await reply.json()) as ShotSeries) : null;
      if (this.id !== id) return;
      if (series) {
        this.hooks.show(series);
        if (series.sequence.end_sequence !== null) return this.end();
      }
    } catch {
      // the server is away for a moment (restarting?): the next read tries again
    }
    if (this.id === id) this.timer = setTimeout(() => void this.poll(id), POLL_MS);
  }
}
