/**
 * Replaying a recorded sequence as pyDE1 notifications (browser-safe, no I/O): every row of the
 * sequence in the 13 notification tables becomes one MQTT message `<root>/<class>`, in event_time
 * order across tables, time-shifted so the first one happens `now`.
 *
 * Each payload is rebuilt from its row with the catalog's fields: the base fields `arrival_time,
 * create_time, event_time, sender, version, class`, then the class's own fields in catalog order
 * (gate notifications carry their `sequence_id` before `active_state`, as pyDE1 sends them),
 * `volume_by_frames` as its stored text verbatim (it is already JSON array text),
 * `is_error_state` as a JSON boolean, and last `"shifted": <offset in seconds>`, the key pyDE1's own
 * replay tool (examples/replay.py) adds to mark replayed data. Every epoch time is shifted by the
 * same offset: the base times and the class's REAL `*_time` fields (de1_time, scale_time,
 * current_weight_time, ...). Unlike pyDE1's tool, the DE1's integer `sample_time` counter is left
 * as recorded. Numbers are written as Python writes them (`1700700012.0`, `1e-05`).
 */
import type { Database, SqlValue } from "sql.js";
import { BASE_FIELDS, CATALOG, type FieldSpec, type NotificationClass } from "../catalog";
import { floatRepr } from "./python-format";
import { pythonJsonString } from "./python-json";

/** One message to publish. */
export interface ReplayMessage {
  /** `<root>/<class>` */
  topic: string;
  /** the JSON text */
  payload: string;
  /** the row's recorded event_time (epoch seconds), before shifting */
  eventTime: number;
  /** seconds after the first message, as recorded (divide by the speed to schedule) */
  offset: number;
}

/** Options for {@link replayMessages}. */
export interface ReplayOptions {
  /** the topic root (pyDE1's default: `pyDE1`) */
  topicRoot?: string;
  /** epoch seconds the first message is shifted to (default: the current time) */
  now?: number;
}

/** The messages of a sequence and the shift applied to their times. */
export interface Replay {
  messages: ReplayMessage[];
  /** seconds added to every time field */
  shift: number;
}

/** The base fields in payload order: arrival_time, create_time, event_time, sender, version (then class). */
const PAYLOAD_BASE: readonly FieldSpec[] = ["arrival_time", "create_time", "event_time", "sender", "version"].map(
  (n) => BASE_FIELDS.find((f) => f.name === n)!,
);

/** True for a field holding an epoch time that replay shifts. */
export function isShiftedTime(field: FieldSpec): boolean {
  return field.kind === "real" && field.name.endsWith("_time");
}

/** One stored value as JSON text, for a field of this kind. */
function jsonValue(field: FieldSpec, value: SqlValue, shift: number): string {
  if (value === null) return "null";
  if (value instanceof Uint8Array) return pythonJsonString(new TextDecoder().decode(value));
  switch (field.kind) {
    case "raw-array":
      return String(value);
    case "boolean":
      return value === 1 || value === "1" || value === "true" ? "true" : "false";
    case "integer":
      return typeof value === "number" && Number.isInteger(value) ? String(value) : floatRepr(Number(value));
    case "byte":
      // as pyDE1 2.0 sends it: hex text ("00" was stored as the integer 0 by the column's affinity)
      return pythonJsonString(typeof value === "number" ? String(value).padStart(2, "0") : value);
    case "real":
      return floatRepr(Number(value) + (isShiftedTime(field) ? shift : 0));
    default:
      return typeof value === "number" ? floatRepr(value) : pythonJsonString(String(value));
  }
}

/** The payload fields of a class, in order, with the column each comes from. */
function payloadFields(cls: NotificationClass): FieldSpec[] {
  const own = [...cls.fields];
  if (cls.name === "SequencerGateNotification") {
    const at = own.findIndex((f) => f.name === "active_state");
    own.splice(at < 0 ? own.length : at, 0, { name: "sequence_id", sqlType: "TEXT", kind: "text" });
  }
  return [...PAYLOAD_BASE, ...own];
}

/** Builds a payload's JSON text from a row (values by column name). */
function payloadText(cls: NotificationClass, fields: FieldSpec[], row: Record<string, SqlValue>, shift: number): string {
  const parts: string[] = [];
  for (const f of fields) {
    parts.push(`${pythonJsonString(f.name)}: ${jsonValue(f, row[f.name] ?? null, shift)}`);
    if (f.name === "version") parts.push(`"class": ${pythonJsonString(cls.name)}`);
  }
  parts.push(`"shifted": ${floatRepr(shift)}`);
  return `{${parts.join(", ")}}`;
}

/**
 * The sequence's notification rows as messages, ordered by event_time (ties: catalog order, then
 * rowid), every time shifted so the first message's event_time is `now`. Empty when the sequence
 * has no notification rows.
 */
export function replayMessages(db: Database, sequenceId: string, options: ReplayOptions = {}): Replay {
  const root = options.topicRoot ?? "pyDE1";
  const found: { cls: NotificationClass; order: number; rowid: number; row: Record<string, SqlValue> }[] = [];
  CATALOG.forEach((cls, order) => {
    const st = db.prepare(`SELECT rowid AS _rowid, * FROM ${cls.table} WHERE sequence_id = ?`);
    try {
      st.bind([sequenceId]);
      while (st.step()) {
        const row = st.getAsObject() as Record<string, SqlValue>;
        found.push({ cls, order, rowid: Number(row._rowid), row });
      }
    } finally {
      st.free();
    }
  });
  const time = (r: Record<string, SqlValue>) => Number(r.event_time);
  found.sort((a, b) => time(a.row) - time(b.row) || a.order - b.order || a.rowid - b.rowid);
  if (found.length === 0) return { messages: [], shift: 0 };
  const first = time(found[0].row);
  const shift = (options.now ?? Date.now() / 1000) - first;
  const fieldsOf = new Map(CATALOG.map((c) => [c.name, payloadFields(c)]));
  const messages = found.map(({ cls, row }) => ({
    topic: `${root}/${cls.name}`,
    payload: payloadText(cls, fieldsOf.get(cls.name)!, row, shift),
    eventTime: time(row),
    offset: time(row) - first,
  }));
  return { messages, shift };
}
