/**
 * The three shot-file formats one sequence exports to, with what the CLI, the server and the
 * viewer each need of them: the exporter, the file extension and the media type.
 */
import type { Database } from "sql.js";
import type { ExportOptions } from "./shot-data";
import { legacyShotFile } from "./legacy-shot";
import { jsonShotFile } from "./json-shot";
import { shotCsv } from "./csv";

/** One shot-file format. */
export interface ShotFormatSpec {
  /** the file name's extension, without the dot */
  ext: string;
  /** the media type a server or a browser download gives it */
  type: string;
  /** writes one sequence in this format */
  make(db: Database, sequenceId: string, options?: ExportOptions): string;
}

/** pyDE1's legacy shot file, de1app's JSON v2 shot and the CSV of the shot samples. */
export const SHOT_FORMATS = {
  legacy: { ext: "shot", type: "text/plain; charset=utf-8", make: legacyShotFile },
  json: { ext: "json", type: "application/json; charset=utf-8", make: jsonShotFile },
  csv: { ext: "csv", type: "text/csv; charset=utf-8", make: shotCsv },
} as const satisfies Record<string, ShotFormatSpec>;

/** A format's name: legacy, json or csv. */
export type ShotFormat = keyof typeof SHOT_FORMATS;

/** True when `name` is one of the formats (an own key: not `toString` or `__proto__`). */
export function isShotFormat(name: string): name is ShotFormat {
  return Object.hasOwn(SHOT_FORMATS, name);
}

/**
 * The file name a sequence's shot file gets: `<id>.shot`, `<id>.json` or `<id>.csv`. Any
 * character of the id other than a letter, digit, `.`, `-` or `_` becomes `_`, so the name can
 * never leave the folder it is written into (pyDE1's ids are UUIDs and keep theirs).
 */
export function shotFileName(sequenceId: string, format: ShotFormat): string {
  return `${sequenceId.replace(/[^\w.-]/g, "_")}.${SHOT_FORMATS[format].ext}`;
}
