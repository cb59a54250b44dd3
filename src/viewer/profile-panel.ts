/** The profile panel: title, author, notes, the steps as a table, and the source for download. */
import type { ProfileInfo } from "./protocol";
import { readProfileView } from "./profile-view";
import { download, el, replace } from "./dom";
import { formatFull } from "./format";

/** Step names by frame number, for the chart's frame markers. */
export function stepNames(info: ProfileInfo | null): string[] {
  if (!info?.source) return [];
  return readProfileView(info.source, info).steps.map((s) => s.name);
}

/** Fills the panel for a profile (or explains that there is none). */
export function renderProfile(panel: HTMLElement, info: ProfileInfo, assumed: boolean): void {
  const view = readProfileView(info.source, info);
  const missing = !info.found || info.id === "dummy";
  const header = el("div", { class: "profile-head" },
    el("h2", { id: "profile-title" }, view.title ?? (missing ? "No profile" : "Untitled profile")),
    assumed ? el("span", { class: "badge", title: "pyDE1 did not know the DE1's profile and assumed its last loaded one" }, "assumed") : null,
  );
  const meta = el("dl", { class: "profile-meta" },
    el("dt", {}, "Author"), el("dd", {}, view.author ?? "—"),
    el("dt", {}, "Beverage"), el("dd", {}, view.beverageType ?? "—"),
    el("dt", {}, "Added"), el("dd", {}, info.date_added ? formatFull(info.date_added) : "—"),
    el("dt", {}, "Profile id"), el("dd", { class: "mono" }, info.id),
    ...view.facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]),
  );
  const notes = view.notes ? el("p", { class: "profile-notes" }, view.notes) : null;
  const problem = missing
    ? el("p", { class: "hint" }, info.id === "dummy" ? "This sequence ran on pyDE1's placeholder ('dummy') profile: the DE1's profile was never known." : `No profile with id ${info.id} is stored in this database.`)
    : view.problem
      ? el("p", { class: "hint" }, view.problem)
      : null;
  const table = view.steps.length
    ? el("table", { class: "steps" },
        el("thead", {}, el("tr", {}, ...["#", "Step", "Target", "Temperature", "Transition", "Max time", "Exit when", "Limit", "Stop at"].map((h) => el("th", {}, h)))),
        el("tbody", {}, ...view.steps.map((s, i) =>
          el("tr", {}, el("td", {}, i), el("td", {}, s.name), el("td", {}, s.target), el("td", {}, s.temperature), el("td", {}, s.transition),
            el("td", {}, s.seconds), el("td", {}, s.exit), el("td", {}, s.limiter), el("td", {}, s.stops)))),
      )
    : null;
  const source = info.source;
  const button = source && !missing
    ? el("button", { type: "button", id: "download-profile", class: "secondary" }, "Download profile (.json)")
    : null;
  button?.addEventListener("click", () => {
    const name = (view.title ?? info.id).replace(/[^\w.-]+/g, "_").slice(0, 80) || "profile";
    download(`${name}.json`, "application/json", source ?? "");
  });
  replace(panel, header, meta, notes, problem, table ? el("div", { class: "table-scroll" }, table) : null, button);
}
