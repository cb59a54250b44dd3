/**
 * RFC 2822 date-times in the process's local time zone, the way pyDE1 writes `local_time`
 * (Python's `email.utils.format_datetime(datetime.fromtimestamp(t).astimezone())`).
 * The zone comes from `Date`, so `TZ` is respected in Node and the user's zone in a browser.
 */
import { roundHalfEven } from "./python-format";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const two = (n: number): string => String(n).padStart(2, "0");

/**
 * Whole epoch seconds of a timestamp as Python's `datetime.fromtimestamp` sees it: the fraction is
 * rounded to microseconds half to even first, so 59.9999996 counts as the next second.
 */
export function wholeSeconds(epochSeconds: number): number {
  const seconds = Math.floor(epochSeconds);
  const micros = roundHalfEven((epochSeconds - seconds) * 1e6);
  return micros >= 1_000_000 ? seconds + 1 : seconds;
}

/** The local zone's offset from UTC at that instant, as `+HHMM` / `-HHMM`. */
export function utcOffsetText(date: Date): string {
  const offset = -date.getTimezoneOffset(); // minutes east of UTC
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${sign}${two(Math.floor(abs / 60))}${two(Math.round(abs % 60))}`;
}

/** `Thu, 23 Nov 2023 00:40:14 +0000`: an epoch time (seconds) in RFC 2822 form, local zone. */
export function rfc2822Local(epochSeconds: number): string {
  const date = new Date(wholeSeconds(epochSeconds) * 1000);
  return (
    `${DAYS[date.getDay()]}, ${two(date.getDate())} ${MONTHS[date.getMonth()]} ${String(date.getFullYear()).padStart(4, "0")} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${utcOffsetText(date)}`
  );
}

/** The zone's short name at that instant (`UTC`, `PST`, `GMT+1`) from Intl, or the numeric offset without it. */
function zoneName(date: Date): string {
  try {
    const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
      .formatToParts(date)
      .find((p) => p.type === "timeZoneName");
    if (part) return part.value;
  } catch {
    // no Intl time zone data: fall through
  }
  return utcOffsetText(date);
}

/** `Tue Oct 19 10:07:44 CEST 2021`: Tcl's default `clock format`, as de1app writes a shot's `date`, local zone. */
export function tclClockDate(epochSeconds: number): string {
  const date = new Date(Math.floor(epochSeconds) * 1000);
  return (
    `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${zoneName(date)} ${date.getFullYear()}`
  );
}
