/**
 * A uPlot plugin that draws the shot's context behind and over the series: the flow window
 * (flow begin → flow end) as a shaded band, and each frame change as a dashed step marker labelled
 * with the frame number and, when the profile is known, the step name.
 */
import type uPlot from "uplot";

/** One frame change: where it happens (seconds) and its label. */
export interface FrameMark {
  x: number;
  label: string;
}

/** What the markers show; `get` is asked on every draw so the chart can change it without rebuilding. */
export interface MarkerData {
  flowBegin: number | null;
  flowEnd: number | null;
  frames: FrameMark[];
}

/** The frame changes of a shot: where the frame number differs from the previous sample's. */
export function frameChanges(time: number[], frame: (number | null)[], stepNames: string[] = []): FrameMark[] {
  const marks: FrameMark[] = [];
  let last: number | null = null;
  for (let i = 0; i < time.length; i++) {
    const f = frame[i];
    if (f === null || f === last) continue;
    last = f;
    const name = stepNames[f];
    marks.push({ x: time[i], label: name ? `${f} · ${name}` : `frame ${f}` });
  }
  return marks;
}

/** The plugin; `get` returns the current markers. */
export function markersPlugin(get: () => MarkerData): uPlot.Plugin {
  return {
    hooks: {
      drawClear: [
        (u: uPlot) => {
          const { flowBegin, flowEnd } = get();
          if (flowBegin === null) return;
          const { ctx, bbox } = u;
          const x0 = Math.max(bbox.left, u.valToPos(flowBegin, "x", true));
          const x1 = Math.min(bbox.left + bbox.width, u.valToPos(flowEnd ?? u.scales.x.max ?? flowBegin, "x", true));
          if (x1 <= x0) return;
          ctx.save();
          ctx.fillStyle = "rgba(30, 136, 229, 0.06)";
          ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
          ctx.restore();
        },
      ],
      draw: [
        (u: uPlot) => {
          const { ctx, bbox } = u;
          const { frames, flowBegin, flowEnd } = get();
          const px = devicePixelRatio || 1;
          ctx.save();
          ctx.beginPath();
          ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
          ctx.clip();
          ctx.font = `${11 * px}px system-ui, sans-serif`;
          ctx.textBaseline = "top";
          let lastLabelEnd = -Infinity;
          for (const f of frames) {
            const x = Math.round(u.valToPos(f.x, "x", true));
            if (x < bbox.left || x > bbox.left + bbox.width) continue;
            ctx.strokeStyle = "rgba(90, 100, 120, 0.45)";
            ctx.lineWidth = px;
            ctx.setLineDash([3 * px, 3 * px]);
            ctx.beginPath();
            ctx.moveTo(x + 0.5, bbox.top);
            ctx.lineTo(x + 0.5, bbox.top + bbox.height);
            ctx.stroke();
            if (x > lastLabelEnd) {
              ctx.fillStyle = "rgba(70, 80, 100, 0.85)";
              ctx.fillText(f.label, x + 4 * px, bbox.top + 4 * px);
              lastLabelEnd = x + ctx.measureText(f.label).width + 10 * px;
            }
          }
          ctx.setLineDash([]);
          for (const [value, label] of [
            [flowBegin, "flow begin"],
            [flowEnd, "flow end"],
          ] as const) {
            if (value === null) continue;
            const x = Math.round(u.valToPos(value, "x", true));
            ctx.strokeStyle = "rgba(30, 136, 229, 0.55)";
            ctx.lineWidth = 1.5 * px;
            ctx.beginPath();
            ctx.moveTo(x + 0.5, bbox.top);
            ctx.lineTo(x + 0.5, bbox.top + bbox.height);
            ctx.stroke();
            ctx.fillStyle = "rgba(30, 100, 180, 0.9)";
            ctx.textBaseline = "bottom";
            ctx.fillText(label, x + 4 * px, bbox.top + bbox.height - 4 * px);
            ctx.textBaseline = "top";
          }
          ctx.restore();
        },
      ],
    },
  };
}
