/**
 * What every reply of the local server shares: its security headers, sending a small body, and
 * telling a peer on this computer from one on the network.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Security headers sent with every reply. */
export const COMMON_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** The content type of the server's plain-text answers (errors, refusals). */
export const PLAIN = "text/plain; charset=utf-8";

/** Sends a small text or binary body with the common headers (no body for HEAD). */
export function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Uint8Array, extra: Record<string, string> = {}): void {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.writeHead(status, { ...COMMON_HEADERS, "Content-Type": type, "Content-Length": String(bytes.length), ...extra });
  res.end(req.method === "HEAD" ? undefined : bytes);
}

/** True for a peer address on this computer (IPv4 127/8, IPv6 ::1, or IPv4 loopback mapped into IPv6). */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return true;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
