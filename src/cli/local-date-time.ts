/** How the command line writes a moment for people: local time (TZ), to the second. */

/** "2023-11-23 00:40:14" in the local zone (TZ) for an epoch second, "-" when unknown. */
export function localDateTime(epoch: number | null): string {
  if (epoch === null) return "-";
  const d = new Date(epoch * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
