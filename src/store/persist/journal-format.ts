/**
 * The journal's file format, and reading it back (Node only). Written by {@link Journal}
 * (journal.ts).
 *
 * A header line `{"journal":ID,"base":N}` (a compacted journal adds `"file":MARK`, see below), then
 * one block per write (each flush):
 * `#CRC32HEX LENGTH FIRST\n` followed by LENGTH bytes holding the records FIRST, FIRST+1, …, one
 * line each (the codec's text for the event, then "\n"); CRC32HEX is the CRC-32 of those bytes.
 * One checksum per block, not per record, and the events as the codec writes them (the recorder's
 * codec keeps payloads unescaped): appending costs little more than the bytes themselves.
 * Records with `n <= base` are *warm* records: events already contained in the saved file that the
 * recorder needs to rebuild its state (pre-roll buffers, an open sequence). A torn or corrupt tail
 * (a block shorter than its length, a wrong checksum, a record that does not decode) is where
 * reading stops.
 *
 * A journal is normally rotated by a save, whose file then holds every record up to `base`. While
 * nothing is recorded the file is not saved, so the journal is *compacted* instead: rewritten
 * with only its warm records, `base` = its last record, and `file` = the saved file's mark (the
 * boundary `ID:SEQ` it held) at that moment. It says that the file, as long as it still holds
 * that mark, contains everything up to `base` too: the records in between changed nothing in it.
 *
 * Journals of the first format (a line per record, `CRC32HEX {"n":SEQ,"e":EVENT}`)
 * are still read.
 */
import { existsSync, readFileSync } from "node:fs";
import { crc32 as zlibCrc32 } from "node:zlib";

/** One journal record: its sequence number and the event it carries. */
export interface JournalRecord<E> {
  /** 1, 2, 3 … across the journal's whole life (not reset by rotation) */
  n: number;
  /** the recorder input event */
  e: E;
}

/** What opening a journal found. */
export interface JournalContents<E> {
  /** the journal's id (constant for the life of the database file) */
  id: string;
  /** every record up to `base` is contained in the last save that rotated the journal */
  base: number;
  /**
   * set when the journal was compacted (not rotated by a save): the saved file's mark then; a
   * file still holding this mark contains every record up to `base`
   */
  file?: string;
  /** the valid records, in order */
  records: JournalRecord<E>[];
  /** bytes cut off the end because they were torn or corrupt (0 when clean) */
  cutBytes: number;
  /** where an unreadable journal (no valid header line) was moved before a new one was started */
  setAside?: string;
}

/** CRC-32 (IEEE) of a string's UTF-8 bytes, or of bytes (zlib's, native). */
export function crc32(data: string | Uint8Array): number {
  return zlibCrc32(data);
}

/**
 * How events become record lines and back. `encode` must never return text with a newline in it.
 * `fromFirstFormat` turns an event as the first journal format stored it (a JSON value) into an event.
 */
export interface JournalCodec<E> {
  encode(event: E): string;
  decode(line: string): E;
  fromFirstFormat?(stored: unknown): E;
}

/** The default codec: each event as JSON. */
export const JSON_CODEC: JournalCodec<never> = {
  encode: (e) => JSON.stringify(e),
  decode: (line) => JSON.parse(line) as never,
};

const hex8 = (n: number) => n.toString(16).padStart(8, "0");
const BLOCK_HEADER = /^#([0-9a-f]{8}) (\d+) (\d+)$/;

/** The header line of a block whose records (first = FIRST) are `body`. */
export function blockHeader(body: Uint8Array, first: number): Buffer {
  return Buffer.from(`#${hex8(crc32(body))} ${body.length} ${first}\n`, "latin1");
}

/** A block: header line and record lines (each ending in "\n"), as bytes. */
export function block(lines: string, first: number): Buffer {
  const body = Buffer.from(lines, "utf8");
  const head = blockHeader(body, first);
  return Buffer.concat([head, body], head.length + body.length);
}

/** Reads and checks a journal file; cuts nothing on disk (Journal.open cuts a torn tail off). */
export function readJournal<E>(path: string, codec: JournalCodec<E> = JSON_CODEC as JournalCodec<E>): JournalContents<E> | null {
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  const nl = bytes.indexOf(10);
  if (nl < 0) return null;
  let header: { journal?: unknown; base?: unknown; file?: unknown };
  try {
    header = JSON.parse(bytes.toString("utf8", 0, nl));
  } catch {
    return null;
  }
  if (typeof header.journal !== "string" || typeof header.base !== "number") return null;
  let pos = nl + 1;
  const records: JournalRecord<E>[] = [];
  const follows = (n: number) => records.length === 0 || n === records[records.length - 1].n + 1;
  while (pos < bytes.length) {
    const end = bytes.indexOf(10, pos);
    if (end < 0) break; // torn: no newline
    if (bytes[pos] === 0x23 /* # */) {
      const m = BLOCK_HEADER.exec(bytes.toString("latin1", pos, end));
      if (!m) break;
      const start = end + 1;
      const stop = start + Number(m[2]);
      const first = Number(m[3]);
      if (stop > bytes.length || stop === start || bytes[stop - 1] !== 10) break; // torn
      const body = bytes.subarray(start, stop);
      if (parseInt(m[1], 16) !== crc32(body) || !follows(first)) break;
      const lines = body.toString("utf8", 0, body.length - 1).split("\n");
      let decoded: E[];
      try {
        decoded = lines.map((l) => codec.decode(l));
      } catch {
        break;
      }
      decoded.forEach((e, i) => records.push({ n: first + i, e }));
      pos = stop;
      continue;
    }
    // a record of the first format: `CRC32HEX {"n":SEQ,"e":EVENT}`
    const line = bytes.toString("utf8", pos, end);
    const json = line.slice(9);
    if (line[8] !== " " || parseInt(line.slice(0, 8), 16) !== crc32(json)) break;
    let rec: JournalRecord<unknown>;
    try {
      rec = JSON.parse(json);
    } catch {
      break;
    }
    if (typeof rec.n !== "number" || !follows(rec.n)) break;
    records.push({ n: rec.n, e: codec.fromFirstFormat ? codec.fromFirstFormat(rec.e) : (rec.e as E) });
    pos = end + 1;
  }
  return {
    id: header.journal,
    base: header.base,
    ...(typeof header.file === "string" ? { file: header.file } : {}),
    records,
    cutBytes: bytes.length - pos,
  };
}
