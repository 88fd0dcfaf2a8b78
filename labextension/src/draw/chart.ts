// Line charts on a canvas: the notebook's TrainingCurves widget and the lab's run tab
// both draw with this module. Axes with nice ticks and a grid; the legend is HTML above
// the canvas, so it never covers a line.
import { MAX_POINTS, downsample } from "./downsample";
import { frame, yGrid, yMargin } from "./frame";
import { PALETTE } from "./theme";
import { niceTicks, tickLabel } from "./ticks";

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** points in the whole series (the drawn arrays may be downsampled) */
  total?: number;
}

/** Which chart a metric belongs to. */
export const GROUPS: [string, (name: string) => boolean][] = [
  ["loss", (n) => n.includes("loss")],
  ["metrics", (n) => n.startsWith("val_") && !n.includes("loss")],
  ["learning rate", (n) => n === "lr"],
];

export function groupOf(name: string): string | undefined {
  return GROUPS.find(([, test]) => test(name))?.[0];
}

/** Draws the series; returns the number of points drawn (also kept in `data-points`). */
export function drawChart(canvas: HTMLCanvasElement, series: Series[], xLabel = "step"): number {
  const f = frame(canvas, 11, [600, 240]);
  if (!f) return 0;
  const { ctx, colours } = f;
  const cssW = f.w;
  const cssH = f.h;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const drawn = series.map((s) => {
    const d = downsample(s.x, s.y, s.x.length, MAX_POINTS);
    for (let i = 0; i < d.x.length; i++) {
      if (!Number.isFinite(d.y[i])) continue;
      x0 = Math.min(x0, d.x[i]);
      x1 = Math.max(x1, d.x[i]);
      y0 = Math.min(y0, d.y[i]);
      y1 = Math.max(y1, d.y[i]);
    }
    return d;
  });
  const points = drawn.reduce((a, d) => a + d.x.length, 0);
  canvas.dataset.points = String(points);
  if (!Number.isFinite(x0)) return 0;
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    const pad = Math.abs(y0) * 0.05 || 0.5;
    y0 -= pad;
    y1 += pad;
  }
  const yTicks = niceTicks(y0, y1, 4);
  const L = yMargin(f, yTicks, 8);
  const R = 10;
  const T = 8;
  const B = 30;
  const W = cssW - L - R;
  const H = cssH - T - B;
  const px = (x: number): number => L + ((x - x0) / (x1 - x0)) * W;
  const py = (y: number): number => T + H - ((y - y0) / (y1 - y0)) * H;
  yGrid(f, yTicks, L, W, py);
  ctx.strokeStyle = colours.grid;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of niceTicks(x0, x1, Math.max(2, Math.floor(W / 90)))) {
    ctx.beginPath();
    ctx.moveTo(Math.round(px(t)) + 0.5, T);
    ctx.lineTo(Math.round(px(t)) + 0.5, T + H);
    ctx.stroke();
    // a label near either edge is kept whole inside the canvas
    const label = tickLabel(t);
    const half = ctx.measureText(label).width / 2;
    ctx.fillText(label, Math.min(cssW - half - 1, Math.max(half + 1, px(t))), T + H + 3);
  }
  ctx.fillText(xLabel, L + W / 2, T + H + 16);
  drawn.forEach((d, k) => {
    ctx.strokeStyle = PALETTE[k % PALETTE.length];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < d.x.length; i++) {
      if (!Number.isFinite(d.y[i])) {
        started = false;
        continue;
      }
      if (started) ctx.lineTo(px(d.x[i]), py(d.y[i]));
      else {
        ctx.moveTo(px(d.x[i]), py(d.y[i]));
        started = true;
      }
    }
    ctx.stroke();
  });
  return points;
}

/** A titled chart: a legend line (HTML) and the canvas. */
export function chartBox(title: string, series: Series[], xLabel = "step"): HTMLElement {
  const box = document.createElement("div");
  box.className = "cvs-chart";
  box.dataset.chart = title;
  const head = document.createElement("div");
  head.className = "cvs-chart-head";
  const name = document.createElement("b");
  name.textContent = title;
  head.append(name);
  series.forEach((s, k) => {
    const key = document.createElement("span");
    key.className = "cvs-key";
    key.style.setProperty("--cvs-key", PALETTE[k % PALETTE.length]);
    const last = s.x.length ? s.y[s.x.length - 1] : NaN;
    key.textContent = `${s.name}${Number.isFinite(last) ? ` ${tickLabel(last)}` : ""}`;
    key.title = `${s.total ?? s.x.length} points`;
    head.append(key);
  });
  const canvas = document.createElement("canvas");
  box.append(head, canvas);
  // drawn once the box is in the page, where the canvas has its laid-out size
  requestAnimationFrame(() => drawChart(canvas, series, xLabel));
  return box;
}
