/** The content tabs (Shot, Compare, Profile, SQL): one panel visible at a time. */

/** The tab names, matching `#tab-NAME` panels and `[data-tab=NAME]` buttons. */
export type TabName = "shot" | "compare" | "profile" | "sql";

/** Switches panels when a tab button is clicked; `shown` is told which tab became visible. */
export class Tabs {
  current: TabName = "shot";
  private readonly buttons = [...document.querySelectorAll<HTMLButtonElement>("[data-tab]")];

  constructor(private readonly shown: (tab: TabName) => void) {
    for (const b of this.buttons) b.addEventListener("click", () => this.show(b.dataset.tab as TabName));
  }

  /** Shows one tab's panel. */
  show(tab: TabName): void {
    this.current = tab;
    for (const b of this.buttons) {
      const on = b.dataset.tab === tab;
      b.setAttribute("aria-selected", String(on));
      b.classList.toggle("active", on);
      const panel = document.getElementById(`tab-${b.dataset.tab}`);
      if (panel) panel.hidden = !on;
    }
    this.shown(tab);
  }

  /** Sets the small count shown on a tab (e.g. shots marked for compare). */
  badge(tab: TabName, text: string): void {
    const b = this.buttons.find((x) => x.dataset.tab === tab);
    const span = b?.querySelector(".tab-badge");
    if (span) span.textContent = text;
  }
}
