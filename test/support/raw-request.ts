/** One HTTP request as sent by hand: the path exactly as given (fetch normalizes it), the body as it came (not unpacked). */
import { request } from "node:http";

/** What {@link rawRequest} got back. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends METHOD PATH to the server at `base` (e.g. `http://127.0.0.1:8080/`) with `headers`. */
export function rawRequest(base: string, path: string, method = "GET", headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((done, fail) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", fail);
    req.end();
  });
}
