/**
 * Server-sent events (`/api/events`): the open pages learn that the database changed (a shot
 * completed, the file was rewritten) and refresh their lists.
 */
import type { ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";

/** The open event streams, and sending to all of them. */
export class ChangeEvents {
  private readonly clients = new Set<ServerResponse>();
  private sequence = 0;
  private readonly keepAlive: NodeJS.Timeout;
  /** this server process's name in marks: a page that reconnects to another process reloads */
  readonly server = randomUUID();

  constructor(keepAliveMs = 25_000) {
    this.keepAlive = setInterval(() => this.write(": keep-alive\n\n"), keepAliveMs);
    this.keepAlive.unref();
  }

  /**
   * The change mark of what is served now, `SERVER/CHANGES`: sent with `/db` as `X-Pyde1-Changes`,
   * and as `mark` in every event, spelled the same. A page holding bytes of this mark reloads only
   * for an event of a higher count or another server.
   */
  get mark(): string {
    return `${this.server}/${this.sequence}`;
  }

  /** How many pages are listening. */
  get size(): number {
    return this.clients.size;
  }

  /** Turns a response into an event stream and keeps it until the page goes away. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      "X-Content-Type-Options": "nosniff",
    });
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ mark: this.mark })}\n\n`);
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  /** Tells every page that the database changed. */
  changed(detail: Record<string, unknown> = {}): void {
    this.sequence++;
    this.write(`id: ${this.sequence}\nevent: changed\ndata: ${JSON.stringify({ ...detail, mark: this.mark })}\n\n`);
  }

  /** Ends every stream. */
  close(): void {
    clearInterval(this.keepAlive);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}
