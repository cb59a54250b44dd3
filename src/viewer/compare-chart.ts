/**
 * Compare: two or more shots overlaid, each in its own colour (pressure solid, flow dashed, weight
 * dotted on its own axis), each shifted by its own time offset (a slider, in seconds).
 */
import uPlot from "uplot";
import type { ShotSeries } from "./protocol";
import { SHOT_PALETTE, cursor, scales, timeAxis, valueAxis, valueWith } from "./chart-style";
import { el, replace } from "./dom";
import { formatDate, formatTime } from "./format";
import { profileLabel } from "./sequence-list";

/** Shifts a time column by an offset. */
const shift = (t: number[], by: number) => (by === 0 ? t : t.map((x) => x + by));

/** The joined columns of all shots: per shot pressure, flow, weight. */
export function compareData(shots: ShotSeries[], offsets: number[]): uPlot.AlignedData {
  const tables: uPlot.AlignedData[] = [];
  shots.forEach((s, i) => {
    tables.push([shift(s.time, offsets[i] ?? 0), s.pressure, s.flow] as uPlot.AlignedData);
    tables.push([shift(s.weightTime, offsets[i] ?? 0), s.weight] as uPlot.AlignedData);
  });
  return uPlot.join(tables);
}

/** The compare view: controls (one row per shot) and the chart. */
export class CompareChart {
  private plot: uPlot | null = null;
  private shots: ShotSeries[] = [];
  private offsets: number[] = [];
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor(
    private readonly controls: HTMLElement,
    private readonly container: HTMLElement,
  ) {
    this.resize.observe(container);
  }

  /** The uPlot instance, or null when fewer than two shots are compared. */
  get chart(): uPlot | null {
    return this.plot;
  }

  /** Shows these shots (offsets start at 0). */
  show(shots: ShotSeries[]): void {
    this.shots = shots;
    this.offsets = shots.map(() => 0);
    this.plot?.destroy();
    this.plot = null;
    this.renderControls();
    if (shots.length < 2) {
      replace(this.container, el("p", { class: "hint" }, "Tick the box on two or more shots in the list to overlay them here."));
      return;
    }
    replace(this.container);
    const series: uPlot.Series[] = [{ label: "Time", value: (_u, v) => (v === null ? "—" : `${v.toFixed(1)} s`) }];
    shots.forEach((s, i) => {
      const color = SHOT_PALETTE[i % SHOT_PALETTE.length];
      const name = `#${i + 1} ${formatTime(s.sequence.start_sequence)}`;
      series.push(
        { label: `${name} pressure`, stroke: color, scale: "y", width: 2, spanGaps: true, value: valueWith("bar") },
        { label: `${name} flow`, stroke: color, scale: "y", width: 1.5, dash: [7, 4], spanGaps: true, value: valueWith("ml/s") },
        { label: `${name} weight`, stroke: color, scale: "g", width: 1.5, dash: [2, 3], spanGaps: true, value: valueWith("g") },
      );
    });
    const width = Math.max(320, this.container.clientWidth);
    this.plot = new uPlot(
      {
        width,
        height: Math.round(Math.min(520, Math.max(300, width * 0.45))),
        scales: scales(),
        series,
        axes: [timeAxis(), valueAxis("y", "bar · ml/s", 3, "#4a5568", true), valueAxis("g", "g", 1)],
        cursor: cursor(),
        legend: { live: true, markers: { dash: (u, i) => (u.series[i].dash ? (i % 3 === 0 ? "dotted" : "dashed") : "solid") } },
      },
      compareData(shots, this.offsets),
      this.container,
    );
  }

  /** Draws again at the container's size. */
  fit(): void {
    if (!this.plot) return;
    const width = Math.max(320, this.container.clientWidth);
    if (width !== this.plot.width) this.plot.setSize({ width, height: Math.round(Math.min(520, Math.max(300, width * 0.45))) });
  }

  private renderControls(): void {
    replace(
      this.controls,
      ...this.shots.map((s, i) => {
        const color = SHOT_PALETTE[i % SHOT_PALETTE.length];
        const out = el("output", { class: "offset-value" }, "0.0 s");
        const slider = el("input", {
          type: "range", min: -20, max: 20, step: 0.1, value: 0, class: "offset",
          "aria-label": `time offset of shot ${i + 1} in seconds`, "data-shot": i,
        });
        slider.addEventListener("input", () => {
          this.offsets[i] = Number(slider.value);
          out.textContent = `${this.offsets[i] > 0 ? "+" : ""}${this.offsets[i].toFixed(1)} s`;
          this.plot?.setData(compareData(this.shots, this.offsets), false);
          this.plot?.redraw();
        });
        return el("div", { class: "compare-row", "data-compare-id": s.sequence.id },
          el("span", { class: "swatch", style: `background:${color}` }),
          el("span", { class: "compare-name" }, `#${i + 1} ${formatDate(s.sequence.start_sequence)} ${formatTime(s.sequence.start_sequence)}`),
          el("span", { class: "compare-profile" }, profileLabel(s.sequence)),
          el("label", { class: "offset-label" }, "offset ", slider, out),
        );
      }),
    );
  }
}
