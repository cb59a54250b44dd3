/**
 * Reading profile bytes as JSON, with the position of any syntax error. `JSON.parse` does not say
 * where it failed on every engine, so this small reader does the RFC 8259 grammar itself (what
 * Python's `json.loads` accepts, minus its `NaN`/`Infinity` extensions, which no DE1 field can hold).
 */
import { ProfileValidationError } from "./errors";

/** A parsed JSON value. Objects have no prototype, so a `"__proto__"` key is an ordinary key. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A parsed JSON object; a key given twice keeps its last value, as in Python. */
export type JsonObject = { [key: string]: JsonValue };

/** True for a parsed JSON object (not an array, not null). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Decodes profile bytes as UTF-8 (a leading byte-order mark is skipped, as Python does for bytes).
 * Throws ProfileValidationError when the bytes are not UTF-8.
 */
export function decodeProfileText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ProfileValidationError("the file is not UTF-8 text (save it as UTF-8 JSON)");
  }
}

/** Parses JSON text; a syntax error becomes a ProfileValidationError with line, column and snippet. */
export function parseJsonText(text: string): JsonValue {
  const reader = new JsonReader(text);
  reader.skipSpace();
  const value = reader.value();
  reader.skipSpace();
  if (reader.pos < text.length) reader.fail("unexpected text after the end of the JSON value");
  return value;
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class JsonReader {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(problem: string, at = this.pos): never {
    const { line, column } = lineAndColumn(this.text, at);
    throw new ProfileValidationError(`the file is not valid JSON: ${problem}`, {
      line,
      column,
      snippet: snippetAround(this.text, at),
    });
  }

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  value(): JsonValue {
    const c = this.text[this.pos];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    if (c === undefined) this.fail("the text ends where a value was expected");
    this.fail(`expected a value, found ${JSON.stringify(c)}`);
  }

  object(): JsonObject {
    const result = Object.create(null) as JsonObject;
    this.pos++; // {
    this.skipSpace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail("expected a property name in double quotes");
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ":") this.fail("expected ':' after a property name");
      this.pos++;
      this.skipSpace();
      result[key] = this.value();
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ",") {
        this.pos++;
        continue;
      }
      if (c === "}") {
        this.pos++;
        return result;
      }
      this.fail("expected ',' or '}' after a property value");
    }
  }

  array(): JsonValue[] {
    const result: JsonValue[] = [];
    this.pos++; // [
    this.skipSpace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      result.push(this.value());
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ",") {
        this.pos++;
        continue;
      }
      if (c === "]") {
        this.pos++;
        return result;
      }
      this.fail("expected ',' or ']' after an array element");
    }
  }

  string(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = "";
    const t = this.text;
    for (;;) {
      if (this.pos >= t.length) this.fail("unterminated string", start);
      const c = t[this.pos]!;
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === "\\") {
        const e = t[this.pos + 1];
        if (e === "u") {
          const hex = t.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("invalid \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          this.pos += 2;
        } else {
          this.fail("invalid escape in string");
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) this.fail("control character inside a string (escape it)");
      out += c;
      this.pos++;
    }
  }

  number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m || m[0] === "-") this.fail("invalid number");
    this.pos += m[0].length;
    return Number(m[0]);
  }
}

/** 1-based line and column (in UTF-16 code units past the line start, plus one) of an offset. */
function lineAndColumn(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: at - lineStart + 1 };
}

/**
 * Up to 20 characters either side of an offset, the offset marked with `➧`, on one line (line
 * breaks and tabs shown as `\n`, `\r`, `\t`), with `…` where the text goes on.
 */
function snippetAround(text: string, at: number): string {
  const from = Math.max(0, at - 20);
  const to = Math.min(text.length, at + 20);
  const oneLine = (s: string) => s.replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
  const before = (from > 0 ? "…" : "") + oneLine(text.slice(from, at));
  const after = oneLine(text.slice(at, to)) + (to < text.length ? "…" : "");
  return `${before}➧${after}`;
}
