/**
 * The address the viewer's server listens on: whether it can listen there (said with the fix when
 * not), and who can reach it (only this computer, or others at which URLs).
 */
import { createServer } from "node:net";
import { networkInterfaces } from "node:os";
import { urlHost } from "../server";

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
      else if (host === "::" && !a.address.toLowerCase().startsWith("fe80:")) urls.push(`http://${urlHost(a.address)}:${port}/`);
    }
  }
  return urls;
}

/** True for a host only this computer reaches (127.x.x.x, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}


/** Why a server could not listen on host:port, as an error that says what to do; other errors as they are. */
export function listenError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  const where = `${urlHost(host)}:${port}`;
  if (code === "EADDRINUSE") {
    return new Error(`${where} is already in use (another 'pyde1-store serve' or 'start', or another program). Stop that, or choose another port with --port N (0 picks a free one).`);
  }
  if (code === "EACCES") return new Error(`${where}: not allowed to listen there (ports below 1024 need root). Choose another port with --port N, e.g. 8080.`);
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new Error(`${where}: this computer has no such address. Use --host 127.0.0.1 (this computer only) or 0.0.0.0 (your network too).`);
  }
  return e;
}

/**
 * Checks that a server can listen on host:port (port 0 always can) by listening there for a
 * moment: the recorder of `start` is not started, and no file created, for a port already taken.
 */
export async function checkListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((done, fail) => {
    probe.once("error", (e) => fail(listenError(e, host, port)));
    probe.listen(port, host, () => probe.close(() => done()));
  });
}
