/**
 * Writing a capture file as recording runs (`record --capture-out FILE`): every event the recorder
 * is fed, one NDJSON line each, appended, so a live session replays into the identical database.
 */
import { isAscii, isUtf8 } from "node:buffer";
import { closeSync, createWriteStream, openSync, readSync, type WriteStream } from "node:fs";
import type { RecorderEvent } from "../recorder/events";
import { CaptureLineReader, captureLine, lineSpans } from "./capture";

/**
 * The events of a capture file, read a piece (about `chunkBytes`) at a time and cut at line ends,
 * so a capture of any size is recorded in bounded memory (a line longer than a piece grows the
 * piece). Same events as `readCapture` of the whole file. Each line is decoded on its own, from a
 * piece checked once for ASCII or UTF-8: no text of the whole piece is made, which is what the
 * reading of a large capture spends its time on (see BENCHMARKS.md, "Reading the capture").
 */
export function* captureFileEvents(path: string, chunkBytes = 4 * 1024 * 1024): Iterable<RecorderEvent> {
  const fd = openSync(path, "r");
  try {
    const reader = new CaptureLineReader();
    let buf = Buffer.allocUnsafe(Math.max(1, chunkBytes));
    let held = 0; // bytes of a line begun in the previous piece, moved to buf's start
    let first = true;
    for (;;) {
      if (held === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]); // a line longer than buf
      const n = readSync(fd, buf, held, buf.length - held, null);
      const filled = held + n;
      const cut = n === 0 ? filled : buf.lastIndexOf(0x0a, filled - 1) + 1;
      const bom = first && cut >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0; // a UTF-8 BOM
      if (cut > 0) first = false;
      const piece = buf.subarray(bom, cut);
      const encoding = isAscii(piece) ? "latin1" : isUtf8(piece) ? "utf8" : null;
      for (const { start, end } of lineSpans(buf, bom, cut)) {
        const event = encoding ? reader.text(buf.toString(encoding, start, end)) : reader.bytes(buf.subarray(start, end));
        if (event) yield event;
      }
      held = filled - cut;
      buf.copy(buf, 0, cut, filled);
      if (n === 0) break;
    }
  } finally {
    closeSync(fd);
  }
}

/** An open capture file. */
export class CaptureFile {
  private readonly stream: WriteStream;
  private failed: Error | null = null;

  /** Opens `path` for appending (created if missing). */
  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: "a" });
    this.stream.on("error", (e) => {
      this.failed = e;
    });
  }

  /** The write error, if writing failed (the capture is then incomplete; recording goes on). */
  get error(): Error | null {
    return this.failed;
  }

  /** Appends one event. */
  append(event: RecorderEvent): void {
    if (!this.failed) this.stream.write(captureLine(event) + "\n");
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
