/**
 * pyDE1's HTTP API as a source of what pyDE1 knows but does not publish: at each new sequence, the
 * DE1's profile id and the ten resources a master row keeps (`resource_*`). Every GET has a short
 * timeout; a failed one answers the text `null` (as pyDE1 stores it) and never delays recording.
 */
import { resourcePaths } from "../recorder/resources";

/** The path of the DE1's current profile id (`{"id": "…"}`, or `{"id": null}` when unknown). */
export const PROFILE_ID_PATH = "de1/profile/id";

/** The resource paths asked for a sequence of this active state, profile id first. */
export function sequenceResourcePaths(activeState: string): string[] {
  return [PROFILE_ID_PATH, ...resourcePaths(activeState).map((r) => r.path)];
}

/** GETs one resource; answers its body, or the text `null` on any failure or after `timeoutMs`. */
export async function getResource(baseUrl: string, path: string, timeoutMs = 2000, signal?: AbortSignal): Promise<string> {
  const url = `${baseUrl.replace(/\/+$/, "")}/${path}`;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      headers: { accept: "application/json" },
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    });
    if (!res.ok) {
      await res.body?.cancel();
      return "null";
    }
    const body = await res.text();
    JSON.parse(body); // pyDE1 answers JSON; anything else counts as a failed GET
    return body;
  } catch {
    return "null";
  }
}

/**
 * GETs the profile id and the resources for a sequence, all at once; `onAnswer` is called for each
 * as it arrives. Resolves when every GET has answered or failed.
 */
export async function fetchSequenceResources(
  baseUrl: string,
  activeState: string,
  onAnswer: (path: string, body: string) => void,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  await Promise.all(
    sequenceResourcePaths(activeState).map(async (path) => {
      const body = await getResource(baseUrl, path, options.timeoutMs, options.signal);
      if (!options.signal?.aborted) onAnswer(path, body);
    }),
  );
}
