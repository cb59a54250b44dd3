/**
 * Writing a capture file as recording runs (`record --capture-out FILE`): every event the recorder
 * is fed, one NDJSON line each, appended, so a live session replays into the identical database.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import type { RecorderEvent } from "../recorder/events";
import { captureLine } from "./capture";

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
