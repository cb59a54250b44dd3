/** The charts' shared look: series colours, axes and value formats. */
import type uPlot from "uplot";

/** Colours of the single-shot series (close to what visualizer.coffee users know). */
export const COLORS = {
  pressure: "#12a37d",
  flow: "#1e88e5",
  weightFlow: "#b07d52",
  weight: "#6d4c41",
  basket: "#e53935",
  mix: "#fb8c00",
} as const;

/** One colour per shot in compare. */
export const SHOT_PALETTE = ["#1e88e5", "#e53935", "#12a37d", "#8e24aa", "#fb8c00", "#00897b", "#6d4c41", "#d81b60"];

/** A legend value with a unit, "—" when there is none. */
export function valueWith(unit: string, digits = 1): (u: uPlot, v: number | null) => string {
  return (_u, v) => (v === null || v === undefined ? "—" : `${v.toFixed(digits)} ${unit}`);
}

const AXIS_FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";
const GRID = { stroke: "rgba(60, 70, 90, 0.08)", width: 1 };
const TICKS = { stroke: "rgba(60, 70, 90, 0.2)", width: 1, size: 4 };

/** The time axis (seconds from flow begin). */
export function timeAxis(): uPlot.Axis {
  return { stroke: "#4a5568", font: AXIS_FONT, grid: GRID, ticks: TICKS, values: (_u, ticks) => ticks.map((t) => `${t} s`) };
}

/** A value axis on a scale; `side` 3 = left, 1 = right. */
export function valueAxis(scale: string, label: string, side: 1 | 3, color = "#4a5568", grid = false): uPlot.Axis {
  return {
    scale,
    side,
    label,
    labelSize: 18,
    labelFont: AXIS_FONT,
    font: AXIS_FONT,
    stroke: color,
    grid: grid ? GRID : { show: false },
    ticks: TICKS,
    size: 46,
  };
}

/** The scales: time, bar/ml·s⁻¹/g·s⁻¹ from zero, °C, grams from zero. */
export function scales(): uPlot.Scales {
  return {
    x: { time: false },
    y: { range: (_u, _min, max) => [0, Math.max(10, Math.ceil(max ?? 0))] },
    temp: { range: (_u, min, max) => [Math.floor(Math.min(min ?? 80, 80)), Math.ceil(Math.max(max ?? 100, 100))] },
    g: { range: (_u, _min, max) => [0, Math.max(50, Math.ceil(((max ?? 0) * 1.1) / 10) * 10)] },
  };
}

/** The cursor: crosshair, drag to zoom on time, values in the legend. */
export function cursor(): uPlot.Cursor {
  return { drag: { x: true, y: false, setScale: true }, points: { size: 6 }, focus: { prox: 24 } };
}
