/**
 * Helpers for tests that edit a fixture's event stream: finding gates, the quiet point between two
 * shots, and payloads built from the stream's own notifications.
 */
import type { MessageEvent, RecorderEvent } from "../../src/recorder/events";

/** The index of the first gate notification `name`/`action` at or after `from` (-1 if none). */
export function gateAt(events: RecorderEvent[], action: "set" | "clear", name: string, from = 0): number {
  return events.findIndex(
    (e, k) => k >= from && e.kind === "message" && typeof e.payload === "string" && e.payload.includes(`"name": "${name}", "action": "${action}"`),
  );
}

/** An index halfway between the end of shot `n` (0-based) and the first gate of the next one. */
export function betweenShots(events: RecorderEvent[], n = 0): number {
  let end = -1;
  for (let k = 0; k <= n; k++) end = gateAt(events, "set", "sequence_complete", end + 1);
  const next = gateAt(events, "clear", "sequence_start", end);
  if (end < 0 || next < 0) throw new Error("no quiet point after that shot");
  return Math.floor((end + next) / 2);
}

/** The first message of a class at or after `from`, parsed, with its event. */
export function sample(events: RecorderEvent[], cls: string, from = 0): { event: MessageEvent; object: Record<string, unknown> } {
  const k = events.findIndex((e, i) => i >= from && e.kind === "message" && e.topic.endsWith(`/${cls}`));
  const event = events[k] as MessageEvent;
  return { event, object: JSON.parse(event.payload as string) };
}

/** A message event at `time`. */
export function message(topic: string, payload: string | Uint8Array, time: number): MessageEvent {
  return { kind: "message", topic, payload, time };
}
