/**
 * Writing a capture file as recording runs (`record --capture-out FILE`): every event the recorder
 * is fed, one NDJSON line each, appended, so a live session replays into the identical database.
 */
import { closeSync, createWriteStream, openSync, readSync, type WriteStream } from "node:fs";
import type { RecorderEvent } from "../recorder/events";
import { captureLine, readCapture } from "./capture";

/**
 * The events of a capture file, read a piece (about `chunkBytes`) at a time and cut at line ends,
 * so a capture of any size is recorded in bounded memory. Same events as `readCapture` of the
 * whole file.
 */
export function* captureFileEvents(path: string, chunkBytes = 4 * 1024 * 1024): Iterable<RecorderEvent> {
  const fd = openSync(path, "r");
  try {
    let carry = Buffer.alloc(0);
    let clock = 0;
    const buf = Buffer.alloc(chunkBytes);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      const cut = n === 0 ? data.length : data.lastIndexOf(0x0a) + 1;
      if (cut > 0) {
        for (const e of readCapture(Uint8Array.prototype.slice.call(data, 0, cut), clock)) {
          clock = e.time;
          yield e;
        }
      }
      carry = Buffer.from(data.subarray(cut));
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
