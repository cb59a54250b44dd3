/**
 * pyDE1's HTTP resources that a master row keeps as `resource_*` JSON text: which resource path
 * fills which column (the control resource follows the sequence's `active_state`:
 * `de1/control/espresso`, `steam`, `hot_water`, `hot_water_rinse`), and the latest values seen in
 * `<root>/update/...` messages, used when no HTTP answer is available.
 */
import { SEQUENCE_RESOURCES } from "../catalog";
import { memberTexts, textAt } from "./json-text";
import { decodePayload } from "./payload";

/** The text a `resource_*` column stores for an HTTP answer: the body, or `null` when it is not JSON. */
export function answerText(body: string): string {
  const decoded = decodePayload(body);
  if (!decoded.ok) return "null";
  try {
    JSON.parse(decoded.text);
    return decoded.text;
  } catch {
    return "null";
  }
}

/** The `de1/control/<mode>` segment for an active state: `HotWaterRinse` → `hot_water_rinse`. */
export function controlMode(activeState: string): string {
  return activeState.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The concrete resource paths a sequence of this active state stores, with their columns. */
export function resourcePaths(activeState: string): { column: string; path: string }[] {
  const mode = controlMode(activeState);
  return SEQUENCE_RESOURCES.map((r) => ({ column: r.column, path: r.resource.replace("<mode>", mode) }));
}

/** The `resource_*` column an HTTP answer for `path` fills in a sequence of this state, if any. */
export function columnForResource(path: string, activeState: string): string | undefined {
  return resourcePaths(activeState).find((r) => r.path === path)?.column;
}

/**
 * The latest text of each resource as published on `<root>/update/<path>` (a message holds the
 * JSON of a GET of `<path>`, e.g. `update/de1/control` holds `{"espresso": {...}, ...}`). The text
 * of each member is kept exactly as received.
 */
export class ResourceSnapshots {
  private readonly latest = new Map<string, string>();

  /** Takes what an update message on `path` holds; returns how many resources it held. */
  update(path: string, text: string): number {
    const given = path.split("/").filter((s) => s !== "");
    let found = 0;
    for (const r of SEQUENCE_RESOURCES) {
      const pattern = r.resource.split("/");
      if (given.length > pattern.length) continue;
      let prefix = true;
      for (let k = 0; k < given.length; k++) {
        if (pattern[k] !== given[k] && pattern[k] !== "<mode>") prefix = false;
      }
      if (!prefix) continue;
      const rest = pattern.slice(given.length);
      const modeAt = rest.indexOf("<mode>");
      if (modeAt < 0) {
        const value = rest.length === 0 ? text : textAt(text, rest);
        if (value !== undefined) {
          this.latest.set([...given, ...rest].join("/"), value);
          found++;
        }
        continue;
      }
      // the mode segment is open: every member there is one mode's resource
      const holder = modeAt === 0 ? text : textAt(text, rest.slice(0, modeAt));
      const members = holder === undefined ? undefined : memberTexts(holder);
      if (!members) continue;
      for (const [mode, modeText] of members) {
        const tail = rest.slice(modeAt + 1);
        const value = tail.length === 0 ? modeText : textAt(modeText, tail);
        if (value === undefined || !modeText.startsWith("{")) continue;
        this.latest.set([...given, ...rest.slice(0, modeAt), mode, ...tail].join("/"), value);
        found++;
      }
    }
    return found;
  }

  /** The latest known text of each resource a sequence of this state stores (missing ones left out). */
  forSequence(activeState: string): { column: string; text: string }[] {
    const out: { column: string; text: string }[] = [];
    for (const { column, path } of resourcePaths(activeState)) {
      const text = this.latest.get(path);
      if (text !== undefined) out.push({ column, text });
    }
    return out;
  }
}
