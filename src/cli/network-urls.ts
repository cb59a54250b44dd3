/** The addresses other computers reach a server at, when it listens on every interface; and whether none can. */
import { networkInterfaces } from "node:os";

/**
 * For a server bound to every interface (`0.0.0.0` or `::`), its URL at each of this machine's
 * non-loopback addresses (IPv4 only for `0.0.0.0`; link-local IPv6 left out: a browser cannot use
 * it without a zone); empty for any other host.
 */
export function networkUrls(host: string, port: number): string[] {
  if (host !== "0.0.0.0" && host !== "::") return [];
  const urls: string[] = [];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.internal) continue;
      if (a.family === "IPv4") urls.push(`http://${a.address}:${port}/`);
      else if (host === "::" && !a.address.toLowerCase().startsWith("fe80:")) urls.push(`http://[${a.address}]:${port}/`);
    }
  }
  return urls;
}

/** True for a host only this computer reaches (127.x.x.x, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
