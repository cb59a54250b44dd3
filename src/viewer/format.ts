/** How the viewer writes times, durations, weights and ids. */

const dateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });

/** "Nov 23, 2023" for an epoch second, "—" when unknown. */
export function formatDate(epoch: number | null): string {
  return epoch === null ? "—" : dateFormat.format(new Date(epoch * 1000));
}

/** "00:40" for an epoch second. */
export function formatTime(epoch: number | null): string {
  return epoch === null ? "" : timeFormat.format(new Date(epoch * 1000));
}

/** The full local date and time, for titles. */
export function formatFull(epoch: number | null): string {
  return epoch === null ? "unknown time" : fullFormat.format(new Date(epoch * 1000));
}

/** "25.5 s", "—" when unknown. */
export function formatSeconds(s: number | null): string {
  return s === null ? "—" : `${s.toFixed(1)} s`;
}

/** "36.2 g", "—" when unknown. */
export function formatGrams(g: number | null): string {
  return g === null ? "—" : `${g.toFixed(1)} g`;
}

/** The first 8 characters of a sequence id. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** "YYYY-MM-DD" of an epoch second in local time (for the date filters). */
export function localDay(epoch: number): string {
  const d = new Date(epoch * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Human names for pyDE1's sequence states. */
export function stateName(state: string | null): string {
  switch (state) {
    case "HotWater":
      return "Hot water";
    case "HotWaterRinse":
      return "Flush";
    case null:
      return "Unknown";
    default:
      return state;
  }
}
