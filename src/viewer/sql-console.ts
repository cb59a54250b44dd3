/**
 * The SQL console: run statements against the open database and see each result as a table;
 * ATTACH a second database file under a schema name to join against it.
 */
import type { WorkerClient } from "./worker-client";
import type { QueryResult } from "./protocol";
import { byId, el, replace } from "./dom";
import { pairFiles, readFile } from "./loader";

/** Rows sent back per statement. */
const MAX_ROWS = 1000;

/** A result as a table (cells as text; NULL marked). */
function table(result: QueryResult): HTMLElement {
  const t = el("table", { class: "result" },
    el("thead", {}, el("tr", {}, ...result.columns.map((c) => el("th", {}, c)))),
    el("tbody", {}, ...result.rows.map((r) => el("tr", {}, ...r.map((v) => (v === null ? el("td", { class: "null" }, "NULL") : el("td", { class: typeof v === "number" ? "num" : "" }, String(v))))))),
  );
  const note = `${result.rows.length} row${result.rows.length === 1 ? "" : "s"}${result.truncated ? ` (first ${MAX_ROWS} shown)` : ""}`;
  return el("div", { class: "result-block" }, el("div", { class: "table-scroll" }, t), el("p", { class: "result-note" }, note));
}

/** Wires the console's elements (found by id) to the worker. */
export function setupSqlConsole(client: WorkerClient): void {
  const input = byId<HTMLTextAreaElement>("sql-input");
  const run = byId<HTMLButtonElement>("sql-run");
  const results = byId("sql-results");
  const attachFile = byId<HTMLInputElement>("attach-file");
  const attachName = byId<HTMLInputElement>("attach-name");
  const attachStatus = byId("attach-status");

  const execute = async () => {
    run.disabled = true;
    replace(results, el("p", { class: "hint" }, "Running…"));
    try {
      const started = performance.now();
      const answer = await client.request("sql", { sql: input.value, maxRows: MAX_ROWS });
      const ms = performance.now() - started;
      replace(results, ...answer.map(table), el("p", { class: "result-note" }, `${ms.toFixed(0)} ms`));
    } catch (e) {
      replace(results, el("pre", { class: "sql-error" }, (e as Error).message));
    } finally {
      run.disabled = false;
    }
  };
  run.addEventListener("click", () => void execute());
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void execute();
    }
  });

  attachFile.addEventListener("change", async () => {
    const files = [...(attachFile.files ?? [])];
    if (!files.length) return;
    try {
      const picked = pairFiles(files);
      const schema = attachName.value.trim() || "other";
      attachStatus.textContent = `Attaching ${picked.db.name}…`;
      const db = await readFile(picked.db, () => {});
      const wal = picked.wal ? await readFile(picked.wal, () => {}) : null;
      const done = await client.request("attach", { schema, name: picked.db.name, db, wal }, wal ? [db, wal] : [db]);
      attachStatus.textContent = `${picked.db.name} attached as "${done.schema}" (${done.tables} tables). Try: SELECT count(*) FROM ${done.schema}.sequence`;
    } catch (e) {
      attachStatus.textContent = `Could not attach: ${(e as Error).message}`;
    } finally {
      attachFile.value = "";
    }
  });
}
