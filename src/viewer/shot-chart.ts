/**
 * The shot chart (uPlot): pressure, flow, weight flow and goals on the left axis, weight on its own
 * axis, basket (head) and mix temperature in °C on theirs; goals dashed; frame changes and the flow
 * window marked. Drag to zoom, double-click to reset, click a legend entry to hide a series.
 */
import uPlot from "uplot";
import type { ShotSeries } from "./protocol";
import { COLORS, cursor, scales, timeAxis, valueAxis, valueWith } from "./chart-style";
import { frameChanges, markersPlugin, type MarkerData } from "./chart-markers";

/** Joined columns for uPlot: x first, then the series in the order of {@link seriesOptions}. */
export function shotData(s: ShotSeries): uPlot.AlignedData {
  return uPlot.join([
    [s.time, s.pressure, s.flow, s.goalPressure, s.goalFlow, s.headTemp, s.mixTemp, s.goalHeadTemp, s.goalMixTemp] as uPlot.AlignedData,
    [s.weightFlowTime, s.weightFlow] as uPlot.AlignedData,
    [s.weightTime, s.weight] as uPlot.AlignedData,
  ]);
}

/** The series, matching {@link shotData}'s columns. */
function seriesOptions(): uPlot.Series[] {
  const line = (label: string, stroke: string, scale: string, unit: string, extra: Partial<uPlot.Series> = {}): uPlot.Series => ({
    label,
    stroke,
    scale,
    width: 2,
    spanGaps: true,
    value: valueWith(unit),
    ...extra,
  });
  const goal = (label: string, stroke: string, scale: string, unit: string) =>
    line(label, stroke, scale, unit, { width: 1.25, dash: [6, 4], spanGaps: false });
  return [
    { label: "Time", value: (_u, v) => (v === null ? "—" : `${v.toFixed(1)} s`) },
    line("Pressure", COLORS.pressure, "y", "bar"),
    line("Flow", COLORS.flow, "y", "ml/s"),
    goal("Pressure goal", COLORS.pressure, "y", "bar"),
    goal("Flow goal", COLORS.flow, "y", "ml/s"),
    line("Basket temp", COLORS.basket, "temp", "°C"),
    line("Mix temp", COLORS.mix, "temp", "°C"),
    goal("Basket goal", COLORS.basket, "temp", "°C"),
    goal("Mix goal", COLORS.mix, "temp", "°C"),
    line("Weight flow", COLORS.weightFlow, "y", "g/s"),
    line("Weight", COLORS.weight, "g", "g", { width: 1.75 }),
  ];
}

/** One shot's chart in a container; resizes with it. */
export class ShotChart {
  private plot: uPlot | null = null;
  private markers: MarkerData = { flowBegin: null, flowEnd: null, frames: [] };
  private readonly resize = new ResizeObserver(() => this.fit());
  /** how many times the chart was drawn (the first draw sets the performance mark `pyde1-first-chart`) */
  draws = 0;

  constructor(private readonly container: HTMLElement) {
    this.resize.observe(container);
  }

  /** The uPlot instance (for tests and benchmarks), or null before the first shot. */
  get chart(): uPlot | null {
    return this.plot;
  }

  /** Shows a shot; `stepNames` label the frame markers. */
  show(s: ShotSeries, stepNames: string[] = []): void {
    this.markers = { flowBegin: s.flowBegin, flowEnd: s.flowEnd, frames: frameChanges(s.time, s.frame, stepNames) };
    const data = shotData(s);
    if (this.plot) {
      this.plot.setData(data, true);
      return;
    }
    const { width, height } = this.size();
    const opts: uPlot.Options = {
      width,
      height,
      scales: scales(),
      series: seriesOptions(),
      axes: [
        timeAxis(),
        valueAxis("y", "bar · ml/s · g/s", 3, "#4a5568", true),
        valueAxis("temp", "°C", 1, COLORS.basket),
        valueAxis("g", "g", 1, COLORS.weight),
      ],
      cursor: cursor(),
      legend: { live: true, markers: { dash: (u, i) => (u.series[i].dash ? "dashed" : "solid") } },
      plugins: [markersPlugin(() => this.markers)],
      hooks: {
        draw: [
          () => {
            if (this.draws++ === 0) performance.mark("pyde1-first-chart");
          },
        ],
      },
    };
    this.plot = new uPlot(opts, data, this.container);
  }

  /** Draws again at the current size (e.g. after the container became visible). */
  fit(): void {
    if (!this.plot) return;
    const { width, height } = this.size();
    if (width > 0 && (width !== this.plot.width || height !== this.plot.height)) this.plot.setSize({ width, height });
  }

  private size(): { width: number; height: number } {
    const width = Math.max(320, this.container.clientWidth);
    return { width, height: Math.round(Math.min(520, Math.max(300, width * 0.48))) };
  }
}
