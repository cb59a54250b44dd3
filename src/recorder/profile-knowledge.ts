/**
 * Which profile the DE1 runs, as far as the recorder can tell: pyDE1's HTTP answer to
 * `de1/profile/id`, or the latest `<root>/update/de1/profile/id` message (pyDE1 publishes it when
 * a stored profile is selected, and persists that selection as `persist_hkv` last_profile). When
 * the DE1's profile is unknown, a sequence gets last_profile with `profile_assumed = 1`, as pyDE1's.
 */
import type { Store } from "../store/store";
import type { PendingWrites } from "./pending-writes";

/** The recorder's knowledge of the DE1's current profile. */
export class ProfileKnowledge {
  /** undefined: never told; null: told it is unknown */
  private known: string | null | undefined = undefined;

  constructor(
    private readonly store: Store,
    private readonly pending: PendingWrites,
  ) {}

  /** The profile a new master row starts with. */
  forNewSequence(): { profileId: string; assumed: boolean } {
    if (typeof this.known === "string") return { profileId: this.known, assumed: false };
    return { profileId: this.store.hkv.lastProfileId(), assumed: true };
  }

  /**
   * Takes an `update/de1/profile/id` message (`{"id": …, "timestamp": …}`); a selected id also
   * becomes last_profile. Returns false when the message holds no id.
   */
  published(message: Record<string, unknown>, time: number): boolean {
    const id = message.id;
    if (id === null) {
      this.known = null;
      return true;
    }
    if (typeof id !== "string") return false;
    this.known = id;
    if (this.pending.muted) return true;
    const ts = message.timestamp;
    // written at once (not queued) so that a master row opened next reads it back
    this.pending.flush();
    this.store.hkv.setLastProfile(id, typeof ts === "number" && Number.isFinite(ts) ? ts : time);
    return true;
  }

  /**
   * Takes pyDE1's HTTP answer to `de1/profile/id` for a sequence: `{"id": "…"}` is the DE1's
   * profile; `{"id": null}` means unknown → last_profile, assumed; a failed GET changes nothing.
   */
  answered(sequenceId: string, body: string): void {
    let answer: unknown;
    try {
      answer = JSON.parse(body);
    } catch {
      return;
    }
    if (typeof answer !== "object" || answer === null || !("id" in answer)) return;
    const id = (answer as { id: unknown }).id;
    if (typeof id === "string") {
      this.known = id;
      this.pending.add(() => this.store.sequences.setProfile(sequenceId, id, false));
    } else if (id === null) {
      this.known = null;
      this.pending.add(() => this.store.sequences.setProfile(sequenceId, this.store.hkv.lastProfileId(), true));
    }
  }
}
