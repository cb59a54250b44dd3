/**
 * Finding a member's value *as text* inside JSON text, so a value can be stored exactly as it was
 * received (pyDE1 stores `volume_by_frames` as Python's `str(list)`, which equals the JSON text it
 * sent, but not what `JSON.stringify(JSON.parse(x))` gives back: `0.0` → `0`, `1e-05` → `0.00001`).
 *
 * The scanner assumes valid JSON (the caller has already run `JSON.parse` on the same text); on
 * anything unexpected it answers `undefined` instead of throwing.
 */

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  return i;
}

/** The index just past the string starting at `i` (which is a `"`), or -1. */
function endOfString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j++; // backslash: skip the escaped character
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** The index just past the JSON value starting at `i`, or -1. */
function endOfValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return endOfString(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === 0x22) {
        j = endOfString(text, j) - 1;
        if (j < 0) return -1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // number, true, false, null: runs to the next delimiter
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === 0x2c || d === 0x7d || d === 0x5d || WS.has(d)) break;
    j++;
  }
  return j > i ? j : -1;
}

/**
 * The text of each top-level member's value of the JSON object in `text`, by key. When a key
 * occurs twice the last one wins, as with `JSON.parse`. Undefined when `text` is not an object.
 */
export function memberTexts(text: string): Map<string, string> | undefined {
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return undefined;
  const out = new Map<string, string>();
  i = skipWs(text, i + 1);
  if (text.charCodeAt(i) === 0x7d) return out;
  for (;;) {
    if (text.charCodeAt(i) !== 0x22) return undefined;
    const keyEnd = endOfString(text, i);
    if (keyEnd < 0) return undefined;
    let key: string;
    try {
      key = JSON.parse(text.slice(i, keyEnd)) as string;
    } catch {
      return undefined;
    }
    i = skipWs(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a) return undefined;
    i = skipWs(text, i + 1);
    const valueEnd = endOfValue(text, i);
    if (valueEnd < 0) return undefined;
    out.set(key, text.slice(i, valueEnd));
    i = skipWs(text, valueEnd);
    const sep = text.charCodeAt(i);
    if (sep === 0x7d) return out;
    if (sep !== 0x2c) return undefined;
    i = skipWs(text, i + 1);
  }
}

/** The text of the member `key` of the JSON object in `text`, or undefined. */
export function memberText(text: string, key: string): string | undefined {
  return memberTexts(text)?.get(key);
}

/** The text of the value reached by following `path` (object keys) from the JSON object in `text`. */
export function textAt(text: string, path: readonly string[]): string | undefined {
  let here: string | undefined = text;
  for (const key of path) {
    if (here === undefined) return undefined;
    here = memberText(here, key);
  }
  return here;
}

/**
 * The text of the array under `"name"` in a JSON object's text, found quickly without walking the
 * whole object, and trusted only when it parses to exactly `value` (what the full parse gave).
 * Undefined when not found that way: the caller falls back to {@link memberTexts}.
 */
export function rawArrayText(text: string, name: string, value: unknown): string | undefined {
  const key = `"${name}"`;
  for (let at = text.indexOf(key); at >= 0; at = text.indexOf(key, at + 1)) {
    let i = skipWs(text, at + key.length);
    if (text.charCodeAt(i) !== 0x3a) continue; // ':'
    i = skipWs(text, i + 1);
    if (text.charCodeAt(i) !== 0x5b) continue; // '['
    const end = endOfValue(text, i);
    if (end < 0) return undefined;
    const span = text.slice(i, end);
    try {
      if (JSON.stringify(JSON.parse(span)) === JSON.stringify(value)) return span;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
