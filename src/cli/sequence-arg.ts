/**
 * The `--sequence ID|latest` option shared by export, upload and replay: resolving it in an open
 * database, and turning the exporters' typed errors into one-line messages that name the file.
 */
import type { Database } from "sql.js";
import { IncompleteSequenceError, NoEspressoSequenceError, SequenceNotFoundError } from "../export/errors";
import { resolveSequenceId } from "../export/shot-data";

/** A sequence option that cannot be served; the message names the database file and the fix. */
export class SequenceArgError extends Error {
  override name = "SequenceArgError";
}

/** The sequence id `--sequence` names (`latest` = the newest Espresso sequence), checked to exist. */
export function resolveSequenceArg(db: Database, file: string, idOrLatest: string): string {
  try {
    const id = resolveSequenceId(db, idOrLatest);
    if (db.exec("SELECT 1 FROM sequence WHERE id = ?", [id]).length === 0) throw new SequenceNotFoundError(id);
    return id;
  } catch (e) {
    throw sequenceError(e, file);
  }
}

/** Rewrites the exporters' errors for the command line (naming `file` and the `--partial` option). */
export function sequenceError(e: unknown, file: string): unknown {
  if (e instanceof SequenceNotFoundError) {
    return new SequenceArgError(
      `${file}: sequence '${e.sequenceId}' is not in this database. 'pyde1-store list --db ${file}' lists the ids, or use --sequence latest.`,
    );
  }
  if (e instanceof IncompleteSequenceError) {
    return new SequenceArgError(
      `${file}: sequence '${e.sequenceId}' is not complete (${e.missing.join(", ")} empty: still running, or its recording was cut short). Wait for it to finish, or add --partial to use what there is.`,
    );
  }
  if (e instanceof NoEspressoSequenceError) {
    return new SequenceArgError(`${file}: holds no Espresso sequence, so 'latest' names nothing. Pull a shot first, or pass a sequence id.`);
  }
  return e;
}
