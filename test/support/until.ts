/**
 * Waiting in a test for something another process, the broker or the event loop brings about.
 */

/** Resolves once `ok()` holds (checked every `stepMs`); after `ms` it throws, naming `what`. */
export async function until(what: string, ok: () => boolean, ms = 20_000, stepMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
