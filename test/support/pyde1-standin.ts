/**
 * A stand-in for pyDE1's HTTP API on loopback: answers each resource a recording's capture holds
 * with the first body recorded for it (404 for anything else), as `start --pyde1-http` reads it.
 */
import { createServer } from "node:http";
import type { Recording } from "../recorder/expected";

/** A running stand-in. */
export interface Pyde1StandIn {
  /** e.g. `http://127.0.0.1:PORT` */
  url: string;
  close(): void;
}

/** Starts a stand-in answering with `rec`'s recorded resource bodies. */
export async function startPyde1StandIn(rec: Recording): Promise<Pyde1StandIn> {
  const answers = new Map<string, string>();
  for (const line of rec.capture.toString("utf8").split("\n")) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.resource && !answers.has(e.resource)) answers.set(e.resource, e.body);
  }
  const server = createServer((req, res) => {
    const body = answers.get((req.url ?? "").replace(/^\//, ""));
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    res.end(body ?? "{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}
