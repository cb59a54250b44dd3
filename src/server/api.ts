/**
 * The read-only JSON API: the sequence list, one sequence, one sequence's chart series (also while
 * it is being recorded: the live view), and one shot in an export format.
 * Pure functions from (Store, path, query) to a reply, so they are tested without sockets.
 */
import type { Store } from "../store/store";
import type { SequenceSummary } from "../store/sequences";
import { SHOT_FORMATS, isShotFormat, shotFileName, shotSeries, SequenceNotFoundError, IncompleteSequenceError } from "../export";

/** What the server sends back for an API request. */
export interface ApiReply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** One row of `/api/sequences`. */
export type { SequenceSummary };

const JSON_TYPE = "application/json; charset=utf-8";

/** A JSON reply. */
function json(status: number, value: unknown): ApiReply {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value) };
}

/** Every real sequence, newest first. */
export function listSequences(store: Store): SequenceSummary[] {
  return store.sequences.summaries();
}

/** Answers a request under `/api/` (path without the query); null when no API route matches. */
export function answerApi(store: Store, path: string, query: URLSearchParams): ApiReply | null {
  if (path === "/api/sequences") return json(200, listSequences(store));
  const m = /^\/api\/sequences\/([^/]+)(\/shot|\/series)?$/.exec(path);
  if (!m) return null;
  let id: string;
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    return json(400, { error: "bad sequence id" });
  }
  const row = id === "dummy" ? null : store.sequences.get(id);
  if (!row) return json(404, { error: `no sequence with id '${id}'` });
  if (!m[2]) {
    const summary = store.sequences.summary(id)!;
    const profile = store.profiles.get(row.profile_id);
    const { source: _source, ...profileRow } = profile ?? { source: null };
    return json(200, { ...summary, row, profile: profile ? profileRow : null });
  }
  if (m[2] === "/series") return json(200, shotSeries(store.db, id));
  const name = query.get("format") ?? "legacy";
  if (!isShotFormat(name)) return json(400, { error: `format must be legacy, json or csv, not '${name}'` });
  const format = SHOT_FORMATS[name];
  const partial = query.get("partial") === "1" || query.get("partial") === "true";
  try {
    const body = format.make(store.db, id, { partial });
    return {
      status: 200,
      contentType: format.type,
      body,
      headers: { "Content-Disposition": `inline; filename="${shotFileName(id, name)}"` },
    };
  } catch (e) {
    if (e instanceof SequenceNotFoundError) return json(404, { error: e.message });
    if (e instanceof IncompleteSequenceError) return json(409, { error: `${e.message} (add &partial=1 to export it anyway)` });
    throw e;
  }
}
