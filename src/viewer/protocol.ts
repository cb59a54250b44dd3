/**
 * The messages between the page and its sql.js worker: every request carries an id, every answer
 * the same id with either a result or an error text.
 */
import type { SequenceSummary } from "../store/sequences";
import type { ShotSeries } from "../export/shot-series";

/** One sequence as the list shows it (the store's summary). */
export type SequenceItem = SequenceSummary;

/** One shot's series, times in seconds relative to `t0` (flow begin when known). */
export type { ShotSeries };

/** A profile row and its source text. */
export interface ProfileInfo {
  id: string;
  found: boolean;
  title: string | null;
  author: string | null;
  notes: string | null;
  beverage_type: string | null;
  source_format: string | null;
  date_added: number | null;
  /** the stored source decoded as UTF-8; null when there is none */
  source: string | null;
}

/** One statement's result in the SQL console. */
export interface QueryResult {
  columns: string[];
  rows: (string | number | null)[][];
  /** true when more rows existed than were sent */
  truncated: boolean;
}

/** A file made in the worker for download. */
export interface DownloadFile {
  name: string;
  type: string;
  text: string;
}

/** What opening a database found. */
export interface OpenResult {
  name: string;
  bytes: number;
  /** `PRAGMA user_version` as the file says */
  userVersion: number;
  /** the schema version its tables are (pyDE1 2.0's v3 files say user_version 2) */
  schemaVersion: number;
  /** what happened to the `-wal` given with it */
  wal: string;
  sequences: SequenceItem[];
}

/** Every request the worker answers, with its argument and result types. */
export interface Requests {
  /** opens a file's bytes; with `keep` (the server's snapshot id of them) keeps them for a later `patch` */
  open: { arg: { name: string; db: ArrayBuffer; wal: ArrayBuffer | null; keep?: string | null }; result: OpenResult };
  /** opens the kept bytes with a delta applied (store/block-delta.ts); fails when they are not its base */
  patch: { arg: { name: string; delta: ArrayBuffer }; result: OpenResult };
  /**
   * takes this browser's kept copy (kept-copy.ts) as the bytes a `patch` applies to, without
   * opening it; answers its name and the server's hash list of it, or null when there is none
   */
  restore: { arg: null; result: { name: string; hashes: ArrayBuffer } | null };
  /**
   * keeps the bytes the worker holds (snapshot `id`) in this browser, with the server's `hashes` of
   * them; answers the bytes written (only the pieces that changed), or null when the worker holds
   * another snapshot by now
   */
  persist: { arg: { id: string; name: string; hashes: ArrayBuffer }; result: number | null };
  /** forgets the copy kept in this browser */
  forget: { arg: null; result: null };
  sequences: { arg: null; result: SequenceItem[] };
  shot: { arg: { id: string }; result: ShotSeries };
  profile: { arg: { id: string }; result: ProfileInfo };
  download: { arg: { id: string; format: "legacy" | "json" | "csv" }; result: DownloadFile };
  sql: { arg: { sql: string; maxRows: number }; result: QueryResult[] };
  attach: { arg: { schema: string; name: string; db: ArrayBuffer; wal: ArrayBuffer | null }; result: { schema: string; tables: number } };
}

/** A request as posted to the worker. */
export interface RequestMessage<K extends keyof Requests = keyof Requests> {
  id: number;
  kind: K;
  arg: Requests[K]["arg"];
}

/** An answer as posted back. */
export type ResponseMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
