/**
 * The sequence list: newest first, filtered by state, profile, date range and a text search, with
 * keyboard navigation (↑/↓ move, Enter opens, Space marks for compare). Every row carries
 * `data-sequence-id`; the full id is the shortened id's `title`.
 */
import type { SequenceItem } from "./protocol";
import { SEQUENCE_STATES } from "../store/sequences"; // always offered by the state filter
import { byId, el, replace } from "./dom";
import { formatDate, formatGrams, formatSeconds, formatTime, localDay, shortId, stateName } from "./format";


/** The label for a sequence's profile: its title, or why there is none. */
export function profileLabel(s: SequenceItem): string {
  if (s.profile_title) return s.profile_title;
  return s.profile_found ? "(untitled profile)" : "(no profile)";
}

/** What the list tells the page. */
export interface ListEvents {
  /** a sequence was chosen (click or Enter) */
  open(id: string): void;
  /** the set of sequences marked for compare changed */
  compare(ids: string[]): void;
}

/** The list and its filters (elements found by id in the page). */
export class SequenceList {
  private all: SequenceItem[] = [];
  private shown: SequenceItem[] = [];
  private active: string | null = null;
  private readonly marked = new Set<string>();
  private readonly list = byId<HTMLOListElement>("sequence-list");
  private readonly state = byId<HTMLSelectElement>("filter-state");
  private readonly profile = byId<HTMLSelectElement>("filter-profile");
  private readonly from = byId<HTMLInputElement>("filter-from");
  private readonly to = byId<HTMLInputElement>("filter-to");
  private readonly search = byId<HTMLInputElement>("filter-search");
  private readonly count = byId("sequence-count");

  constructor(private readonly events: ListEvents) {
    for (const input of [this.state, this.profile, this.from, this.to]) input.addEventListener("change", () => this.render());
    this.search.addEventListener("input", () => this.render());
    this.list.addEventListener("keydown", (e) => this.key(e));
  }

  /** The sequences currently marked for compare, newest first. */
  get compareIds(): string[] {
    return this.all.filter((s) => this.marked.has(s.id)).map((s) => s.id);
  }

  /** The item for an id. */
  find(id: string): SequenceItem | undefined {
    return this.all.find((s) => s.id === id);
  }

  /** Replaces the data (a new database, or a refresh), keeping filters, selection and marks that still apply. */
  set(items: SequenceItem[]): void {
    this.all = items;
    const ids = new Set(items.map((s) => s.id));
    for (const id of [...this.marked]) if (!ids.has(id)) this.marked.delete(id);
    if (this.active && !ids.has(this.active)) this.active = null;
    this.fillSelect(this.state, "All states", [...new Set([...SEQUENCE_STATES, ...items.map((s) => s.active_state ?? "Unknown")])], stateName);
    this.fillSelect(this.profile, "All profiles", [...new Set(items.map(profileLabel))].sort(), (p) => p);
    this.render();
  }

  /** Marks a row as the one shown (and scrolls to it). */
  select(id: string): void {
    this.active = id;
    for (const li of this.list.querySelectorAll<HTMLElement>("li[data-sequence-id]")) {
      const on = li.dataset.sequenceId === id;
      li.classList.toggle("active", on);
      li.setAttribute("aria-selected", String(on));
      if (on) li.scrollIntoView({ block: "nearest" });
    }
  }

  /** Marks or unmarks a sequence for compare. */
  mark(id: string, on: boolean): void {
    if (on) this.marked.add(id);
    else this.marked.delete(id);
    const box = this.list.querySelector<HTMLInputElement>(`li[data-sequence-id="${CSS.escape(id)}"] input`);
    if (box) box.checked = on;
    this.events.compare(this.compareIds);
  }

  private fillSelect(select: HTMLSelectElement, allLabel: string, values: string[], label: (v: string) => string): void {
    const keep = select.value;
    replace(select, el("option", { value: "" }, allLabel), ...values.map((v) => el("option", { value: v }, label(v))));
    select.value = values.includes(keep) ? keep : "";
  }

  private matches(s: SequenceItem): boolean {
    if (this.state.value && (s.active_state ?? "Unknown") !== this.state.value) return false;
    if (this.profile.value && profileLabel(s) !== this.profile.value) return false;
    const day = s.start_sequence === null ? null : localDay(s.start_sequence);
    if (this.from.value && (day === null || day < this.from.value)) return false;
    if (this.to.value && (day === null || day > this.to.value)) return false;
    const q = this.search.value.trim().toLowerCase();
    if (!q) return true;
    const hay = [s.id, profileLabel(s), s.active_state ?? "", stateName(s.active_state), formatDate(s.start_sequence), formatTime(s.start_sequence)];
    return hay.join(" ").toLowerCase().includes(q);
  }

  private render(): void {
    this.shown = this.all.filter((s) => this.matches(s));
    this.count.textContent = this.shown.length === this.all.length ? `${this.all.length}` : `${this.shown.length} of ${this.all.length}`;
    if (this.shown.length === 0) {
      replace(this.list, el("li", { class: "empty" }, this.all.length ? "No sequence matches the filters." : "No sequences in this database."));
      return;
    }
    replace(this.list, ...this.shown.map((s) => this.row(s)));
  }

  private row(s: SequenceItem): HTMLLIElement {
    const flow = s.start_flow !== null && s.end_flow !== null ? s.end_flow - s.start_flow : null;
    const profileClass = s.profile_title ? (s.profile_assumed ? "profile assumed" : "profile") : "profile missing";
    const box = el("input", { type: "checkbox", class: "compare-box", title: "compare", "aria-label": "compare", tabindex: -1 });
    box.checked = this.marked.has(s.id);
    box.addEventListener("click", (e) => e.stopPropagation());
    box.addEventListener("change", () => this.mark(s.id, box.checked));
    const li = el(
      "li",
      { role: "option", "data-sequence-id": s.id, "aria-selected": String(s.id === this.active), class: s.id === this.active ? "active" : "" },
      el("div", { class: "row-main" },
        el("span", { class: "when" }, `${formatDate(s.start_sequence)} `, el("strong", {}, formatTime(s.start_sequence))),
        el("span", { class: `state state-${(s.active_state ?? "unknown").toLowerCase()}` }, stateName(s.active_state)),
      ),
      el("div", { class: profileClass, title: s.profile_assumed ? "profile assumed: pyDE1's last loaded profile" : profileLabel(s) },
        profileLabel(s),
        s.profile_assumed ? el("span", { class: "badge" }, "assumed") : null,
      ),
      el("div", { class: "row-meta" },
        el("span", { class: "metric", title: "flow duration" }, formatSeconds(flow)),
        el("span", { class: "metric", title: "drink weight" }, formatGrams(s.drink_weight)),
        el("span", { class: "seq-id", title: s.id }, shortId(s.id)),
        box,
      ),
    );
    li.addEventListener("click", () => {
      this.list.focus({ preventScroll: true });
      this.events.open(s.id);
    });
    return li;
  }

  private key(e: KeyboardEvent): void {
    if (this.shown.length === 0) return;
    const i = this.shown.findIndex((s) => s.id === this.active);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const j = i < 0 ? 0 : Math.min(this.shown.length - 1, Math.max(0, i + (e.key === "ArrowDown" ? 1 : -1)));
      this.select(this.shown[j].id);
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      this.select(this.shown[e.key === "Home" ? 0 : this.shown.length - 1].id);
    } else if (e.key === "Enter" && this.active) {
      e.preventDefault();
      this.events.open(this.active);
    } else if (e.key === " " && this.active) {
      e.preventDefault();
      this.mark(this.active, !this.marked.has(this.active));
    }
  }
}
