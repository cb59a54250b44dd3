/**
 * Sequencer gates: the `SequencerGateNotification`s that drive a sequence's lifecycle. pyDE1 clears
 * all 8 gates with a new `sequence_id` when a sequence starts, then sets them as it goes.
 */
import type { SequenceTime } from "../store/sequences";
import type { Notification } from "./payload";

/** The class name of gate notifications. */
export const GATE_CLASS = "SequencerGateNotification";

/** A gate notification's lifecycle fields. */
export interface Gate {
  /** e.g. `sequence_start`, `sequence_complete` (see the catalog's GATE_NAMES) */
  readonly name: string;
  /** `clear` or `set` */
  readonly action: string;
  /** the sequence the gate belongs to */
  readonly sequenceId: string;
  /** Espresso, Steam, HotWater or HotWaterRinse; "" when pyDE1 sent null (a sequence that never ran) */
  readonly activeState: string;
}

/** The master-row time each gate's `set` fills with its `event_time`. */
export const GATE_TIMES: ReadonlyMap<string, SequenceTime> = new Map<string, SequenceTime>([
  ["sequence_flow_begin", "start_flow"],
  ["sequence_flow_end", "end_flow"],
  ["sequence_complete", "end_sequence"],
]);

/** The gate fields of a well-formed gate notification (null for other classes). */
export function readGate(n: Notification): Gate | null {
  const o = n.object;
  if (typeof o.sequence_id !== "string" || typeof o.name !== "string" || typeof o.action !== "string") return null;
  return { name: o.name, action: o.action, sequenceId: o.sequence_id, activeState: typeof o.active_state === "string" ? o.active_state : "" };
}
