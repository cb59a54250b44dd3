/** The shot tab's header: what the shown shot is, its key numbers, and its downloads. */
import type { ShotSeries } from "./protocol";
import type { WorkerClient } from "./worker-client";
import { byId, download, el, replace } from "./dom";
import { formatFull, formatGrams, formatSeconds, stateName } from "./format";
import { profileLabel } from "./sequence-list";

/** The largest non-null value of a series. */
function peak(values: (number | null)[]): number | null {
  let m: number | null = null;
  for (const v of values) if (v !== null && (m === null || v > m)) m = v;
  return m;
}

/** A labelled number. */
const fact = (label: string, value: string, title?: string) =>
  el("div", { class: "fact", title }, el("span", { class: "fact-label" }, label), el("span", { class: "fact-value" }, value));

/** Fills the header for a shot and wires its download buttons. */
export function renderShotHeader(s: ShotSeries, client: WorkerClient, onError: (e: Error) => void): void {
  const q = s.sequence;
  const flow = q.start_flow !== null && q.end_flow !== null ? q.end_flow - q.start_flow : null;
  const title = byId("shot-title");
  replace(title, profileLabel(q), q.profile_assumed ? el("span", { class: "badge" }, "assumed") : null);
  title.classList.toggle("missing", !q.profile_title);
  replace(byId("shot-when"), `${stateName(q.active_state)} · ${formatFull(q.start_sequence)}`);
  const pressure = peak(s.pressure);
  replace(
    byId("shot-facts"),
    fact("Flow time", formatSeconds(flow)),
    fact("Drink weight", formatGrams(q.drink_weight), "largest median weight between flow end and sequence end"),
    fact("Peak pressure", pressure === null ? "—" : `${pressure.toFixed(1)} bar`),
    fact("Samples", String(s.time.length)),
    fact("Sequence", q.id.slice(0, 8), q.id),
  );
  replace(
    byId("shot-downloads"),
    ...(
      [
        ["legacy", ".shot"],
        ["json", "JSON"],
        ["csv", "CSV"],
      ] as const
    ).map(([format, label]) => {
      const b = el("button", { type: "button", class: "secondary", "data-format": format, title: `download this shot as ${label}` }, `⤓ ${label}`);
      b.addEventListener("click", async () => {
        try {
          const file = await client.request("download", { id: q.id, format });
          download(file.name, file.type, file.text);
        } catch (e) {
          onError(e as Error);
        }
      });
      return b;
    }),
  );
}
