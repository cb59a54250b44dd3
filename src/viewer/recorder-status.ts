/**
 * The header's recorder status line: when the page comes from `start` (or `serve --record`), how
 * that process's recording goes — the broker connection, the last message, the sequence being
 * recorded, the last save — read from `GET /api/status` every few seconds while the page is shown.
 * Hidden when the server only serves a file, or the page was opened any other way.
 */
import { replace } from "./dom";

/** The fields of `GET /api/status` (src/server/recorder-status.ts) this line shows. */
interface StatusView {
  recording: boolean;
  now: number;
  broker: string;
  feed: string;
  lastMessageAt: number | null;
  accepted: number;
  rejected: number;
  openSequence: OpenSequence | null;
  lastSavedAt: number | null;
}

/** How often the line is brought up to date, ms. */
const POLL_MS = 3000;

/** "just now", "12 s ago", "4 min ago", "3 h ago", "2 days ago" for a span of `ms`. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 3) return "just now";
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

/** What the broker connection's state reads as, when it is not "connected". */
const FEED_TEXT: Record<string, string> = {
  connecting: "connecting to the broker",
  lost: "lost the broker, retrying",
  retrying: "broker unreachable, retrying",
  refused: "the broker refused the login",
  closed: "stopped",
};

/** The line's text parts and whether it is a warning, for a status. */
export function statusLine(st: StatusView): { parts: string[]; warn: boolean } {
  const connected = st.feed === "connected";
  const parts = [connected ? "Recording" : `Recording: ${FEED_TEXT[st.feed] ?? st.feed}`];
  if (st.openSequence) parts.push(`${st.openSequence.activeState} in progress`);
  parts.push(st.lastMessageAt === null ? "no message from pyDE1 yet" : `last message ${ago(st.now - st.lastMessageAt)}`);
  if (st.lastSavedAt !== null) parts.push(`saved ${ago(st.now - st.lastSavedAt)}`);
  if (st.rejected > 0) parts.push(`${st.rejected} refused (see its log)`);
  return { parts, warn: !connected };
}

/** The sequence the server's recorder has open, as the status says it. */
export type OpenSequence = { id: string; activeState: string };

/**
 * Keeps `line` showing the server's recording status; `onOpen` hears after every answer which
 * sequence is being recorded (null when none, or when the server does not record). Returns a
 * function that stops it.
 */
export function followRecorderStatus(line: HTMLElement, onOpen: (open: OpenSequence | null) => void = () => {}): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const update = async () => {
    timer = null;
    if (stopped) return;
    if (!document.hidden) {
      try {
        const reply = await fetch("api/status", { cache: "no-store" });
        const st = reply.ok ? ((await reply.json()) as StatusView) : null;
        if (st?.recording) {
          const { parts, warn } = statusLine(st);
          replace(line, parts.join(" · "));
          line.title = `pyde1-store is recording ${st.broker} in the process that serves this page: ${st.accepted} notifications so far`;
          line.classList.toggle("warn", warn);
          line.hidden = false;
        } else {
          line.hidden = true;
        }
        if (st) onOpen(st.recording ? st.openSequence : null);
      } catch {
        line.hidden = true; // the server is gone (restarting?): the next poll tries again
      }
    }
    if (!stopped) timer = setTimeout(() => void update(), POLL_MS);
  };
  void update();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
