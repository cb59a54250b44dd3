/** The page's side of the worker protocol: typed requests that resolve with the worker's answer. */
import type { Requests, ResponseMessage } from "./protocol";

/** A connection to the viewer's sql.js worker. */
export class WorkerClient {
  private readonly worker: Worker;
  private next = 1;
  private readonly waiting = new Map<number, { done: (v: unknown) => void; fail: (e: Error) => void }>();

  constructor(url: URL) {
    this.worker = new Worker(url, { type: "module" });
    this.worker.onmessage = (event: MessageEvent<ResponseMessage>) => {
      const msg = event.data;
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.done(msg.result);
      else w.fail(new Error(msg.error));
    };
    this.worker.onerror = (event) => {
      const error = new Error(`the database worker failed: ${event.message || "could not start"}`);
      for (const w of this.waiting.values()) w.fail(error);
      this.waiting.clear();
    };
  }

  /** Sends a request; ArrayBuffers in `transfer` are moved, not copied. */
  request<K extends keyof Requests>(kind: K, arg: Requests[K]["arg"], transfer: Transferable[] = []): Promise<Requests[K]["result"]> {
    const id = this.next++;
    return new Promise((done, fail) => {
      this.waiting.set(id, { done: done as (v: unknown) => void, fail });
      this.worker.postMessage({ id, kind, arg }, transfer);
    });
  }
}
