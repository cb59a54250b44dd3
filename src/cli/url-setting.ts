/**
 * Checking a URL given on the command line (or in the environment or the config file) before
 * anything is opened. A bad value would otherwise be taken for a default host (the MQTT client
 * connects to localhost for a scheme it does not know) or fail deep inside a request with
 * "Invalid URL".
 */
import { UsageError } from "./command";

/** URL schemes the MQTT client connects with. */
export const BROKER_SCHEMES = ["mqtt:", "mqtts:", "tcp:", "tls:", "ssl:", "ws:", "wss:"];
/** URL schemes of an HTTP server (pyDE1's API, visualizer.coffee). */
export const HTTP_SCHEMES = ["http:", "https:"];

/**
 * Refuses `value` unless it is a URL with one of `schemes` and a host; the usage error names the
 * setting (`what`, with where it may come from) and shows `example`.
 */
export function checkUrl(value: string, what: string, schemes: string[], example: string): void {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // said below
  }
  if (!url || !schemes.includes(url.protocol) || url.hostname === "") {
    throw new UsageError(`${what} must be a URL such as ${example} (${schemes.map((x) => x.slice(0, -1)).join(", ")}), not '${value}'`);
  }
}
