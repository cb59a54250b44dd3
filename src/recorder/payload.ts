/**
 * Reading one notification payload: bytes or text → checked, stored values in the catalog's column
 * order. A payload is well-formed when it is a JSON object (UTF-8, at most 1 MB) with the event
 * base fields and its class's own fields with the right JSON types (the catalog's `nullable` and
 * `optional` rules); anything else is rejected with a kind, before it reaches a buffer.
 */
import type { SqlValue } from "sql.js";
import { fieldsOf, type FieldSpec, type NotificationClass } from "../catalog";
import { memberTexts, rawArrayText } from "./json-text";

/** Why a payload was rejected. */
export type RejectKind =
  | "not-utf8"
  | "too-large"
  | "bad-json"
  | "not-object"
  | "missing-field"
  | "wrong-type"
  | "class-mismatch";

/** The largest payload accepted, in bytes (pyDE1's are a few hundred bytes). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** A decoded payload, or why it could not be decoded. */
export type Decoded = { ok: true; text: string } | { ok: false; kind: RejectKind; detail: string };

/** A rejection with a short reason for the log. */
export interface Rejection {
  ok: false;
  kind: RejectKind;
  detail: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when text holds a lone surrogate (no UTF-8 for it): the engine's own check where it has one. */
const hasLoneSurrogate: (text: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === "function"
    ? (text) => !(text as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (text) => LONE_SURROGATE.test(text);

/** Strict UTF-8 (bytes that are not UTF-8 throw), made once. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Bytes → text (strict UTF-8), or text checked for lone surrogates; both limited in size. */
export function decodePayload(payload: string | Uint8Array): Decoded {
  if (typeof payload !== "string") {
    if (payload.length > MAX_PAYLOAD_BYTES) return { ok: false, kind: "too-large", detail: `${payload.length} bytes` };
    try {
      return { ok: true, text: strictUtf8.decode(payload) };
    } catch {
      return { ok: false, kind: "not-utf8", detail: "bytes that are not UTF-8" };
    }
  }
  if (payload.length > MAX_PAYLOAD_BYTES) return { ok: false, kind: "too-large", detail: `${payload.length} characters` };
  if (payload.length * 3 > MAX_PAYLOAD_BYTES) {
    const bytes = new TextEncoder().encode(payload).length;
    if (bytes > MAX_PAYLOAD_BYTES) return { ok: false, kind: "too-large", detail: `${bytes} bytes` };
  }
  if (hasLoneSurrogate(payload)) return { ok: false, kind: "not-utf8", detail: "text with a lone surrogate" };
  return { ok: true, text: payload };
}

/** Decodes and parses a payload that must be a JSON object. */
export function parseObject(payload: string | Uint8Array): { ok: true; text: string; object: Record<string, unknown> } | Rejection {
  const decoded = decodePayload(payload);
  if (!decoded.ok) return decoded;
  let value: unknown;
  try {
    value = JSON.parse(decoded.text);
  } catch {
    return { ok: false, kind: "bad-json", detail: "not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, kind: "not-object", detail: `JSON ${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}` };
  }
  return { ok: true, text: decoded.text, object: value as Record<string, unknown> };
}

/** A well-formed notification of a recorded class. */
export interface Notification {
  /** its class */
  readonly cls: NotificationClass;
  /** the stored values of every column after `sequence_id`, in `columnsOf(cls)` order */
  readonly values: SqlValue[];
  /** the parsed payload (for class-specific fields such as a gate's `sequence_id`) */
  readonly object: Record<string, unknown>;
  /** the payload's `arrival_time` */
  readonly arrivalTime: number;
  /** the payload's `event_time` */
  readonly eventTime: number;
}

const JSON_TYPE: Record<FieldSpec["kind"], string> = {
  real: "number",
  integer: "number",
  text: "string",
  boolean: "boolean",
  "raw-array": "array",
  byte: "string or number",
};

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** The stored value of one checked field, or a rejection. */
function storedValue(field: FieldSpec, obj: Record<string, unknown>, raw: (name: string, value: unknown) => string | undefined): SqlValue | Rejection {
  if (!Object.prototype.hasOwnProperty.call(obj, field.name)) {
    if (field.optional) return null;
    return { ok: false, kind: "missing-field", detail: `no '${field.name}'` };
  }
  const v = obj[field.name];
  if (v === null && field.nullable) return null;
  const want = JSON_TYPE[field.kind];
  if (field.kind === "byte" && (typeof v === "string" || typeof v === "number")) return v;
  if (jsonType(v) !== want) return { ok: false, kind: "wrong-type", detail: `'${field.name}' is ${jsonType(v)}, not ${want}` };
  switch (field.kind) {
    case "boolean":
      return v ? 1 : 0;
    case "raw-array": {
      const text = raw(field.name, v);
      return text === undefined ? { ok: false, kind: "bad-json", detail: `'${field.name}' unreadable` } : text;
    }
    default:
      return v as number | string;
  }
}

const isRejection = (v: unknown): v is Rejection => typeof v === "object" && v !== null && (v as Rejection).ok === false;

/**
 * Checks a payload against its class (named by the topic) and converts it to stored values.
 * `extra` names further fields the class must carry as strings (a gate's `sequence_id`).
 */
export function readNotification(
  cls: NotificationClass,
  payload: string | Uint8Array,
  extra: readonly string[] = [],
): ({ ok: true } & Notification) | Rejection {
  const parsed = parseObject(payload);
  if (!parsed.ok) return parsed;
  const { text, object } = parsed;
  let rawCache: Map<string, string> | undefined | null = null;
  const raw = (name: string, value: unknown) =>
    rawArrayText(text, name, value) ?? (rawCache === null ? (rawCache = memberTexts(text)) : rawCache)?.get(name);
  if (!Object.prototype.hasOwnProperty.call(object, "class")) return { ok: false, kind: "missing-field", detail: "no 'class'" };
  if (typeof object.class !== "string") return { ok: false, kind: "wrong-type", detail: "'class' is not a string" };
  if (object.class !== cls.name) return { ok: false, kind: "class-mismatch", detail: `class '${object.class.slice(0, 60)}' on ${cls.name}'s topic` };
  const values: SqlValue[] = [];
  for (const field of fieldsOf(cls)) {
    // the usual case first: a value of the field's own JSON type, stored as it is
    const given = object[field.name];
    const type = typeof given;
    if (type === "number" ? field.kind === "real" || field.kind === "integer" : type === "string" && field.kind === "text") {
      values.push(given as number | string);
      continue;
    }
    const v = storedValue(field, object, raw);
    if (isRejection(v)) return v;
    values.push(v);
  }
  for (const name of extra) {
    if (!Object.prototype.hasOwnProperty.call(object, name)) return { ok: false, kind: "missing-field", detail: `no '${name}'` };
    if (typeof object[name] !== "string") return { ok: false, kind: "wrong-type", detail: `'${name}' is ${jsonType(object[name])}, not string` };
  }
  return {
    ok: true,
    cls,
    values,
    object,
    arrivalTime: object.arrival_time as number,
    eventTime: object.event_time as number,
  };
}
