/**
 * Counters a recorder keeps: what it accepted, rejected (by kind), ignored (by reason), and the
 * sequences it saw.
 */
import type { RejectKind } from "./payload";

/** Why an input was ignored (not an error: pyDE1 publishes these, or they are not ours). */
export type IgnoreReason = "unstored-class" | "unknown-class" | "other-topic" | "will" | "stray-resource";

/** A recorder's counters (a snapshot; the recorder keeps its own). */
export interface RecorderStats {
  /** notifications of recorded classes that passed validation */
  accepted: number;
  /** notification rows written (queued for the next commit) */
  rows: number;
  /** rejected inputs by kind */
  rejected: Partial<Record<RejectKind, number>>;
  /** ignored inputs by reason */
  ignored: Partial<Record<IgnoreReason, number>>;
  /** `<root>/update/...` messages used */
  updates: number;
  /** HTTP answers used */
  resources: number;
  /** master rows created */
  sequences: number;
  /** sequences closed, by reason */
  closed: Partial<Record<string, number>>;
  /** writes the database refused (each logged) */
  writeErrors: number;
}

/** A fresh set of counters. */
export function newStats(): RecorderStats {
  return { accepted: 0, rows: 0, rejected: {}, ignored: {}, updates: 0, resources: 0, sequences: 0, closed: {}, writeErrors: 0 };
}

/** Adds one to a counter in a by-kind record. */
export function bump<K extends string>(counts: Partial<Record<K, number>>, key: K): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** The sum of a by-kind record. */
export function total(counts: Partial<Record<string, number>>): number {
  return Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0);
}
