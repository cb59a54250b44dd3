/**
 * The one declarative list of pyDE1's recorded notification classes: which table each goes to, its
 * columns with their SQL types, the pre-roll buffer size, and how each JSON field becomes a stored
 * value. The schema check, the recorder's inserts and validation, replay and the row types all derive
 * from this list; no column list is written anywhere else.
 *
 * Facts (pyDE1 2.0.0): every notification carries the event base fields `arrival_time, create_time,
 * event_time, sender, version, class`; the table columns are `sequence_id, version, sender,
 * arrival_time, create_time, event_time` followed by the class's own columns.
 */

/** How a JSON field becomes a stored value. */
export type FieldKind =
  /** a JSON number; stored in a REAL column (integers become REAL by column affinity) */
  | "real"
  /** a JSON number, normally an integer; stored in an INTEGER column */
  | "integer"
  /** a JSON string */
  | "text"
  /** a JSON boolean stored as 0/1 (in a TEXT column it reads back as '0'/'1', as pyDE1's does) */
  | "boolean"
  /** a JSON array stored as its JSON text exactly as received (pyDE1 stores Python's `str(list)`) */
  | "raw-array"
  /**
   * a byte from a device: pyDE1 2.0 sends the hex text of its bytes (`"00"`, `"1a"`), and its type
   * allows an integer; either is stored as received, so the column's INT affinity gives what
   * pyDE1's file holds (an all-digit text becomes an integer, `"1a"` stays text)
   */
  | "byte";

/** One of a notification class's own fields, and the column it fills. */
export interface FieldSpec {
  /** the JSON key and the column name (pyDE1 uses the same name for both) */
  readonly name: string;
  /** the column's declared SQL type, as in pyDE1's schema */
  readonly sqlType: "REAL" | "INTEGER" | "INT" | "TEXT";
  /** how the JSON value is checked and stored */
  readonly kind: FieldKind;
  /** JSON `null` is allowed (pyDE1 sends `None` there) and stored as NULL */
  readonly nullable?: boolean;
  /** older pyDE1 versions do not send this field; when absent it is stored as NULL */
  readonly optional?: boolean;
}

/** A recorded notification class. */
export interface NotificationClass {
  /** the `class` field and the last topic level, e.g. `ShotSampleWithVolumesUpdate` */
  readonly name: string;
  /** the table its rows go to */
  readonly table: string;
  /** how many of the newest notifications pyDE1 keeps for the pre-roll before a sequence starts */
  readonly buffer: number;
  /** the class's own fields, in column order after the base columns */
  readonly fields: readonly FieldSpec[];
  /** the table's `sequence_id` may be NULL (v3 tables declare it without NOT NULL) */
  readonly sequenceIdNullable?: boolean;
}

/** The event base fields every notification carries, in pyDE1's column order after `sequence_id`. */
export const BASE_FIELDS: readonly FieldSpec[] = [
  { name: "version", sqlType: "TEXT", kind: "text" },
  { name: "sender", sqlType: "TEXT", kind: "text" },
  { name: "arrival_time", sqlType: "REAL", kind: "real" },
  { name: "create_time", sqlType: "REAL", kind: "real" },
  { name: "event_time", sqlType: "REAL", kind: "real" },
];

const real = (name: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, sqlType: "REAL", kind: "real", ...extra });
const text = (name: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, sqlType: "TEXT", kind: "text", ...extra });
const integer = (name: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, sqlType: "INTEGER", kind: "integer", ...extra });

/**
 * The 13 recorded classes, in pyDE1's order: the order in which the pre-roll buffers are written
 * when a sequence starts.
 */
export const CATALOG: readonly NotificationClass[] = [
  {
    name: "ShotSampleWithVolumesUpdate",
    table: "shot_sample_with_volume_update",
    buffer: 5,
    fields: [
      real("de1_time"),
      integer("sample_time"),
      real("group_pressure"),
      real("group_flow"),
      real("mix_temp"),
      real("head_temp", { optional: true }),
      real("set_mix_temp"),
      real("set_head_temp"),
      real("set_group_pressure"),
      real("set_group_flow"),
      integer("frame_number"),
      real("steam_temp"),
      real("volume_preinfuse"),
      real("volume_pour"),
      real("volume_total"),
      { name: "volume_by_frames", sqlType: "TEXT", kind: "raw-array" },
    ],
  },
  {
    name: "WeightAndFlowUpdate",
    table: "weight_and_flow_update",
    buffer: 10,
    fields: [
      real("scale_time"),
      real("current_weight"),
      real("current_weight_time"),
      real("average_flow"),
      real("average_flow_time"),
      real("median_weight"),
      real("median_weight_time"),
      real("median_flow"),
      real("median_flow_time"),
    ],
  },
  {
    name: "StateUpdate",
    table: "state_update",
    buffer: 7,
    fields: [
      text("state"),
      text("substate"),
      text("previous_state"),
      text("previous_substate"),
      { name: "is_error_state", sqlType: "TEXT", kind: "boolean" },
    ],
  },
  {
    name: "SequencerGateNotification",
    table: "sequencer_gate_notification",
    buffer: 16,
    // active_state is null in the one gate pyDE1 sends for a sequence that never ran: its abort
    // (sequence_complete set) at the first flow after pyDE1 starts; pyDE1 never stores it
    fields: [text("name"), text("action"), text("active_state", { nullable: true })],
  },
  {
    name: "StopAtNotification",
    table: "stop_at_notification",
    buffer: 1,
    fields: [
      text("stop_at"),
      text("action"),
      text("active_state", { nullable: true }),
      real("target_value", { nullable: true }),
      real("current_value", { nullable: true }),
    ],
  },
  {
    name: "WaterLevelUpdate",
    table: "water_level_update",
    buffer: 3,
    fields: [real("level"), real("start_fill_level")],
  },
  { name: "ScaleTareSeen", table: "scale_tare_seen", buffer: 3, fields: [] },
  { name: "AutoTareNotification", table: "auto_tare_notification", buffer: 3, fields: [text("action")] },
  { name: "ScaleButtonPress", table: "scale_button_press", buffer: 3, fields: [integer("button")] },
  {
    name: "ConnectivityChange",
    table: "connectivity_change",
    buffer: 8,
    fields: [
      text("state"),
      text("id", { optional: true, nullable: true }),
      text("name", { optional: true, nullable: true }),
    ],
  },
  {
    name: "DeviceAvailability",
    table: "device_availability",
    buffer: 12,
    fields: [
      text("state"),
      text("id", { nullable: true }),
      text("name", { nullable: true }),
      text("role", { nullable: true }),
    ],
  },
  {
    name: "ScaleChange",
    table: "scale_change",
    buffer: 2,
    sequenceIdNullable: true,
    fields: [text("state"), text("id", { nullable: true }), text("name", { nullable: true })],
  },
  {
    name: "BlueDOTUpdate",
    table: "bluedot_update",
    buffer: 10,
    sequenceIdNullable: true,
    fields: [
      real("temperature", { nullable: true }),
      real("high_alarm", { nullable: true }),
      text("units", { nullable: true }),
      { name: "alarm_byte", sqlType: "INT", kind: "byte", nullable: true },
      text("name", { nullable: true }),
    ],
  },
];

/** Classes pyDE1 publishes but never stores. */
export const UNSTORED_CLASSES: readonly string[] = ["FirmwareUpload", "ScanResults"];

/** The recorded classes by class name. */
export const CLASS_BY_NAME: ReadonlyMap<string, NotificationClass> = new Map(CATALOG.map((c) => [c.name, c]));

const fieldLists = new Map<NotificationClass, readonly FieldSpec[]>();
const columnLists = new Map<NotificationClass, readonly string[]>();

/** A class's payload fields in column order: the base fields, then its own (built once per class). */
export function fieldsOf(cls: NotificationClass): readonly FieldSpec[] {
  let fields = fieldLists.get(cls);
  if (!fields) fieldLists.set(cls, (fields = Object.freeze([...BASE_FIELDS, ...cls.fields])));
  return fields;
}

/** All column names of a class's table, in table order (`sequence_id` first); built once per class. */
export function columnsOf(cls: NotificationClass): readonly string[] {
  let cols = columnLists.get(cls);
  if (!cols) columnLists.set(cls, (cols = Object.freeze(["sequence_id", ...fieldsOf(cls).map((f) => f.name)])));
  return cols;
}

/** The notification tables, in catalog order. */
export const NOTIFICATION_TABLES: readonly string[] = CATALOG.map((c) => c.table);

/** Every table of a v3 database, in the order pyDE1's schema creates them. */
export const ALL_TABLES: readonly string[] = ["profile", "persist_hkv", "sequence", ...NOTIFICATION_TABLES];

/** The `sequence` table's `resource_*` columns and the pyDE1 HTTP resource each holds. */
export const SEQUENCE_RESOURCES: readonly { readonly column: string; readonly resource: string }[] = [
  { column: "resource_version", resource: "version" },
  { column: "resource_de1_id", resource: "de1/id" },
  { column: "resource_de1_read_once", resource: "de1/read_once_values" },
  { column: "resource_de1_calibration_flow_multiplier", resource: "de1/calibration/flow_multiplier" },
  { column: "resource_de1_control_mode", resource: "de1/control/<mode>" },
  { column: "resource_de1_control_tank_water_threshold", resource: "de1/control/tank_water_threshold" },
  { column: "resource_de1_setting_before_flow", resource: "de1/setting/before_flow" },
  { column: "resource_de1_setting_steam", resource: "de1/setting/steam" },
  { column: "resource_de1_setting_target_group_temp", resource: "de1/setting/target_group_temp" },
  { column: "resource_scale_id", resource: "scale/id" },
];

/** The 8 sequencer gates, in the order pyDE1 clears them at a sequence's start. */
export const GATE_NAMES: readonly string[] = [
  "sequence_start",
  "sequence_flow_begin",
  "sequence_expect_drops",
  "sequence_exit_preinfuse",
  "sequence_flow_end",
  "sequence_flow_state_exit",
  "sequence_last_drops",
  "sequence_complete",
];
