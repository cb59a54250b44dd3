/** A one-line progress bar on standard error, drawn only when standard error is a terminal. */

/** Draws `label [#####.....] 42%` in place; returns a function to call with (done, total) and `finish`. */
export function progressBar(label: string, enabled: boolean): { update(done: number, total: number): void; finish(): void } {
  let last = -1;
  const width = 30;
  return {
    update(done, total) {
      if (!enabled || total <= 0) return;
      const pct = Math.floor((done / total) * 100);
      if (pct === last) return;
      last = pct;
      const filled = Math.round((width * done) / total);
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(pct).padStart(3)}%`);
    },
    finish() {
      if (enabled && last >= 0) process.stderr.write("\n");
    },
  };
}
