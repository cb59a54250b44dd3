/**
 * Uploading a shot to visualizer.coffee (browser-safe: `fetch`, `FormData` and `Blob` exist in
 * browsers and Node ≥ 18): POST /api/shots/upload, the legacy shot file as the multipart/form-data
 * field `file`, HTTP basic auth. Like pyDE1's uploader, shots with less than 10 s of flow (between
 * start_flow and end_flow) are not worth uploading and are skipped unless forced.
 */
import type { SequenceRow } from "../store/sequences";

/** Shots with less flow than this many seconds are skipped (pyDE1's rule). */
export const MIN_FLOW_SECONDS = 10;

/** visualizer.coffee's shot upload path. */
export const UPLOAD_PATH = "/api/shots/upload";

/** The upload was refused or failed; the message names the URL, the answer and what to do. */
export class UploadError extends Error {
  override name = "UploadError";
  /** the HTTP status, or 0 when no answer came */
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** Why a sequence is not uploaded (too little flow), or null when it should be. */
export function uploadSkipReason(sequence: SequenceRow): string | null {
  const { start_flow: start, end_flow: end } = sequence;
  if (start === null || end === null) return null; // incomplete: the exporter decides (--partial)
  const seconds = end - start;
  if (seconds >= MIN_FLOW_SECONDS) return null;
  return `only ${seconds.toFixed(1)} s between start_flow and end_flow (less than ${MIN_FLOW_SECONDS} s: a flush or an aborted shot)`;
}

/** The upload URL for `url`: used as is when it ends in /api/shots/upload, else that path is appended. */
export function uploadUrl(url: string): string {
  const u = new URL(url);
  if (!u.pathname.replace(/\/+$/, "").endsWith(UPLOAD_PATH)) u.pathname = `${u.pathname.replace(/\/+$/, "")}${UPLOAD_PATH}`;
  return u.toString();
}

/** `Basic <base64(user:password)>`, UTF-8 encoded. */
export function basicAuth(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** What the server answered to a successful upload. */
export interface UploadResult {
  status: number;
  /** the response body (visualizer answers JSON with the new shot's `id`) */
  body: string;
  /** the shot id visualizer assigned, when the body says one */
  id: string | null;
}

/** POSTs `shotText` as the multipart field `file` (named `fileName`) with basic auth; throws UploadError unless 2xx. */
export async function uploadShot(options: {
  url: string;
  user: string;
  password: string;
  shotText: string;
  fileName: string;
  fetch?: typeof fetch;
}): Promise<UploadResult> {
  const target = uploadUrl(options.url);
  const form = new FormData();
  form.append("file", new Blob([options.shotText], { type: "text/plain" }), options.fileName);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(target, {
      method: "POST",
      headers: { authorization: basicAuth(options.user, options.password), accept: "application/json" },
      body: form,
    });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
    throw new UploadError(`${target}: no answer (${cause}). Check --url and the network.`, 0);
  }
  const body = await response.text();
  if (response.status === 401 || response.status === 403) {
    throw new UploadError(`${target}: the server refused the credentials (HTTP ${response.status}). Check --user and --password.`, response.status);
  }
  if (!response.ok) {
    throw new UploadError(`${target}: upload failed with HTTP ${response.status} (${body.slice(0, 120).replace(/\s+/g, " ")}).`, response.status);
  }
  let id: string | null = null;
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    if (parsed && (typeof parsed.id === "string" || typeof parsed.id === "number")) id = String(parsed.id);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, id };
}
