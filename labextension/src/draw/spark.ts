// Sparklines (percent over the last samples): the notebook's SystemMonitor and the lab's
// System section.
import { PALETTE, ink } from "./theme";

export function drawSpark(canvas: HTMLCanvasElement, values: number[], max = 100): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const w = canvas.width;
  const h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = ink(canvas).grid;
  ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
  ctx.strokeStyle = PALETTE[0];
  ctx.lineWidth = 2;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = (i / Math.max(1, values.length - 1)) * w;
    const y = h - (Math.max(0, Math.min(max, v)) / max) * (h - 4) - 2;
    if (i) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
  });
  ctx.stroke();
  canvas.dataset.samples = String(values.length);
}

/** A row: label, sparkline and the latest value. */
export function sparkRow(name: string, values: number[], unit = "%", max = 100): HTMLElement {
  const row = document.createElement("div");
  row.className = "cvs-spark";
  row.dataset.figure = name;
  const label = document.createElement("span");
  label.className = "cvs-spark-name";
  label.textContent = name;
  const canvas = document.createElement("canvas");
  canvas.width = 240;
  canvas.height = 36;
  drawSpark(canvas, values, max);
  const now = document.createElement("span");
  now.className = "cvs-now";
  now.textContent = values.length ? `${values[values.length - 1].toFixed(0)}${unit}` : "";
  row.append(label, canvas, now);
  return row;
}
