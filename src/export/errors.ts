/** Typed errors raised by the shot exporters; each message names the sequence, the problem and the fix. */

/** The requested sequence id is not in the database. */
export class SequenceNotFoundError extends Error {
  /** The id that was asked for. */
  readonly sequenceId: string;
  constructor(sequenceId: string) {
    super(
      `Sequence '${sequenceId}' is not in this database. ` +
        `Check the id (list sequences with their start times), or use 'latest' for the newest espresso shot.`,
    );
    this.name = "SequenceNotFoundError";
    this.sequenceId = sequenceId;
  }
}

/** The sequence exists but has not finished (a gate time such as end_flow is still empty). */
export class IncompleteSequenceError extends Error {
  /** The sequence that is incomplete. */
  readonly sequenceId: string;
  /** The master-row columns that are still NULL (e.g. `end_flow`). */
  readonly missing: string[];
  constructor(sequenceId: string, missing: string[]) {
    super(
      `Sequence '${sequenceId}' is not complete yet: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} empty ` +
        `(the shot is still running, or its recording was cut short). Wait for it to finish, ` +
        `or export what there is with { partial: true }.`,
    );
    this.name = "IncompleteSequenceError";
    this.sequenceId = sequenceId;
    this.missing = missing;
  }
}

/** There is no espresso sequence at all, so `latest` cannot be resolved. */
export class NoEspressoSequenceError extends Error {
  constructor() {
    super(
      "This database holds no sequence with active_state 'Espresso', so 'latest' has nothing to name. " +
        "Pull a shot first, or pass a sequence id.",
    );
    this.name = "NoEspressoSequenceError";
  }
}
