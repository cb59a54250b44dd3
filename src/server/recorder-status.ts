/**
 * What `GET /api/status` answers: whether this server's process is recording, and if so how the
 * recording goes, for the viewer's status line. Plain data: the command that records fills it in.
 */

/** The state of a recording in the server's process. */
export interface RecorderStatus {
  recording: true;
  /** the server's clock when it answered, epoch ms (the page measures "ago" against it, not its own) */
  now: number;
  /** the broker's URL, without any user name or password */
  broker: string;
  /** the connection to the broker: connecting, connected, lost, refused, retrying or closed */
  feed: string;
  /** when the recording started, epoch ms */
  startedAt: number;
  /** the last message from the broker, epoch ms; null before the first */
  lastMessageAt: number | null;
  /** notifications recorded since the start */
  accepted: number;
  /** notifications refused since the start (bad payloads; logged) */
  rejected: number;
  /** sequences begun since the start */
  sequences: number;
  /** the sequence being recorded now, if one is */
  openSequence: { id: string; activeState: string } | null;
  /** the file's last save, epoch ms; null before the first in this run */
  lastSavedAt: number | null;
}

/** The answer when the server only serves a file. */
export type StatusReply = RecorderStatus | { recording: false };

/** A broker URL as the status shows it: no user name or password (the API has no login). */
export function publicBrokerUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(unparsable URL)";
  }
}
