/**
 * Python's `json.dumps` (default `ensure_ascii=True`), for text that must match what pyDE1 writes.
 *
 * Values: `null`, booleans, strings, JS numbers as Python *floats* (`1.0`, `1e-05`, `NaN`,
 * `Infinity`), `bigint` as Python *ints*, arrays, and plain objects (keys in insertion order).
 */
import { floatRepr } from "./python-format";

/** A value `pythonJson` can write; `number` is a Python float, `bigint` a Python int. */
export type PyJsonValue = null | boolean | string | number | bigint | PyJsonValue[] | { [key: string]: PyJsonValue };

/** Options for `pythonJson`, named after `json.dumps`'s own. */
export interface PythonJsonOptions {
  /** Spaces per nesting level; when set, items go one per line (item separator `","`). */
  indent?: number;
}

/** A JSON string literal with every character outside printable ASCII escaped, like `ensure_ascii=True`. */
export function pythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    // UTF-16 code units, so characters beyond the BMP come out as surrogate pairs, as in Python.
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Python's float spelling inside JSON (`NaN`, `Infinity`, `-Infinity`, else `repr`). */
function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return floatRepr(x);
}

/** `json.dumps(value, indent=…)` exactly as Python 3 writes it. */
export function pythonJson(value: PyJsonValue, options: PythonJsonOptions = {}): string {
  const indent = options.indent;
  const write = (v: PyJsonValue, level: number): string => {
    if (v === null) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (typeof v === "string") return pythonJsonString(v);
    if (typeof v === "number") return jsonFloat(v);
    if (typeof v === "bigint") return v.toString();
    const items: string[] = Array.isArray(v)
      ? v.map((item) => write(item, level + 1))
      : Object.entries(v).map(([key, item]) => `${pythonJsonString(key)}: ${write(item, level + 1)}`);
    const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
    if (items.length === 0) return open + close;
    if (indent === undefined) return open + items.join(", ") + close;
    const inner = "\n" + " ".repeat(indent * (level + 1));
    const outer = "\n" + " ".repeat(indent * level);
    return open + inner + items.join("," + inner) + outer + close;
  };
  return write(value, 0);
}
