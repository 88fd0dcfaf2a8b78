// What every canvas figure starts with: the canvas at its laid-out size (sharp on HiDPI
// screens) and a value grid with labels on the left.
import { Ink, ink } from "./theme";
import { tickLabel } from "./ticks";

export interface Frame {
  ctx: CanvasRenderingContext2D;
  /** CSS pixels */
  w: number;
  h: number;
  colours: Ink;
}

/** The canvas sized and cleared, or null when it has no context or no size (and no fallback). */
export function frame(canvas: HTMLCanvasElement, fontPx: number, fallback?: [number, number]): Frame | null {
  const ctx = canvas.getContext("2d");
  const w = canvas.clientWidth || fallback?.[0] || 0;
  const h = canvas.clientHeight || fallback?.[1] || 0;
  if (!ctx || !w || !h) return null;
  const colours = ink(canvas);
  const scale = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = `${fontPx}px ${colours.font}`;
  return { ctx, w, h, colours };
}

/** The left margin the labels of `ticks` need. */
export function yMargin(f: Frame, ticks: number[], pad: number, label: (t: number) => string = tickLabel): number {
  return pad + Math.max(...ticks.map((t) => f.ctx.measureText(label(t)).width));
}

/** A horizontal grid line per tick across the plot, its label left of it. */
export function yGrid(
  f: Frame,
  ticks: number[],
  left: number,
  width: number,
  py: (y: number) => number,
  label: (t: number) => string = tickLabel,
): void {
  const { ctx, colours } = f;
  ctx.strokeStyle = colours.grid;
  ctx.fillStyle = colours.muted;
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of ticks) {
    const y = Math.round(py(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.fillText(label(t), left - 4, y);
  }
}
