// A dataset's statistics as small figures: the class distribution as bars (HTML, one row a
// class, clickable to filter the grid) and the histograms of GET datasets/{id}/stats on
// canvas, with count ticks on the y axis and value ticks on the x axis.
import { h } from "../dom";
import { colourOf } from "../draw/boxes";
import { frame, yGrid, yMargin } from "../draw/frame";
import { PALETTE } from "../draw/theme";
import { niceTicks, tickLabel } from "../draw/ticks";
import { Histogram, Stats, plural } from "./types";

/** The single value of a histogram whose values are all equal, or null. */
function constant(hist: Histogram): number | null {
  const { edges, counts } = hist;
  if (!counts.length || edges.length < 2) return null;
  return edges[0] === edges[edges.length - 1] || counts.length === 1 ? edges[0] : null;
}

function empty(hist: Histogram | undefined): boolean {
  return !hist || !hist.counts.length || hist.counts.every((c) => c === 0);
}

/** Draws a histogram into `canvas` at its laid-out size; returns false when it has none yet. */
export function drawHistogram(canvas: HTMLCanvasElement, hist: Histogram): boolean {
  const f = frame(canvas, 10);
  if (!f) return false;
  const { ctx, colours } = f;
  const { edges, counts } = hist;
  const top = Math.max(...counts);
  // counts are whole numbers: no tick at 2.5 images
  const yTicks = niceTicks(0, top, 3).filter((t) => Number.isInteger(t));
  const L = yMargin(f, yTicks, 6);
  const R = 8;
  const T = 6;
  const B = 16;
  const W = f.w - L - R;
  const H = f.h - T - B;
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  const px = (x: number): number => L + ((x - lo) / (hi - lo)) * W;
  const py = (y: number): number => T + H - (y / (top || 1)) * H;
  yGrid(f, yTicks, L, W, py);
  ctx.fillStyle = PALETTE[0];
  counts.forEach((c, i) => {
    if (!c) return;
    const x0 = px(edges[i]);
    const x1 = px(edges[i + 1]);
    ctx.fillRect(x0 + 0.5, py(c), Math.max(1, x1 - x0 - 1), T + H - py(c));
  });
  ctx.fillStyle = colours.muted;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const xTicks = niceTicks(lo, hi, Math.max(2, Math.floor(W / 55)));
  for (const t of xTicks) {
    const x = px(t);
    ctx.fillRect(Math.round(x), T + H, 1, 3);
    ctx.fillText(tickLabel(t), Math.min(Math.max(x, L + 8), L + W - 8), T + H + 4);
  }
  canvas.dataset.bins = String(counts.length);
  // where the plot lies, for the tooltip of the bar under the pointer
  canvas.dataset.plot = `${L},${W}`;
  return true;
}

interface Panel {
  key: keyof Stats;
  title: string;
  /** what to say when every value is the same */
  same: (v: string) => string;
  /** what the counts count */
  unit: "image" | "box";
  boxes?: boolean;
}

const PANELS: Panel[] = [
  { key: "image_width", title: "Image width (px)", same: (v) => `All images are ${v} px wide.`, unit: "image" },
  { key: "image_height", title: "Image height (px)", same: (v) => `All images are ${v} px tall.`, unit: "image" },
  { key: "box_area", title: "Box area (px²)", same: (v) => `Every box covers ${v} px².`, unit: "box", boxes: true },
  { key: "box_aspect", title: "Box aspect (w / h)", same: (v) => `Every box has aspect ${v}.`, unit: "box", boxes: true },
  {
    key: "objects_per_image",
    title: "Objects per image",
    same: (v) => `Every image has ${v} object${v === "1" ? "" : "s"}.`,
    unit: "image",
    boxes: true,
  },
];

/** The statistics cards; `redraw()` after a resize or a theme change. */
export class StatsView {
  readonly node = h("div", { className: "cvs-ds-charts" });
  private readonly charts: [HTMLCanvasElement, Histogram][] = [];

  constructor(
    stats: Stats,
    task: string,
    classes: string[],
    onClass: (classId: number) => void,
  ) {
    this.node.append(this.classCard(stats, task, classes, onClass));
    const w = constant(stats.image_width);
    const hgt = constant(stats.image_height);
    if (w !== null && hgt !== null) {
      this.node.append(this.card("Image size", h("p", { className: "cvs-ds-note" }, `All images are ${w}×${hgt} px.`)));
    }
    for (const p of PANELS) {
      if (p.boxes && task === "classification") continue;
      if ((p.key === "image_width" || p.key === "image_height") && w !== null && hgt !== null) continue;
      const hist = stats[p.key] as Histogram | undefined;
      if (!hist || empty(hist)) continue;
      const same = constant(hist);
      if (same !== null) {
        this.node.append(this.card(p.title, h("p", { className: "cvs-ds-note" }, p.same(tickLabel(same)))));
        continue;
      }
      const canvas = h("canvas", { className: "cvs-ds-hist", "data-histogram": p.key });
      canvas.addEventListener("mousemove", (e) => (canvas.title = binAt(hist, canvas, e, p.unit)));
      this.charts.push([canvas, hist]);
      this.node.append(this.card(p.title, canvas));
    }
  }

  redraw(): void {
    for (const [canvas, hist] of this.charts) drawHistogram(canvas, hist);
  }

  private card(title: string, ...content: Node[]): HTMLElement {
    return h("figure", { className: "cvs-ds-card" }, h("figcaption", {}, title), ...content);
  }

  private classCard(stats: Stats, task: string, classes: string[], onClass: (id: number) => void): HTMLElement {
    const byBoxes = task !== "classification";
    const value = (c: Stats["classes"][number]): number => (byBoxes ? c.annotations : c.images);
    const top = Math.max(1, ...stats.classes.map(value));
    const rows = h("div", { className: "cvs-ds-bars", role: "list" });
    for (const c of stats.classes) {
      const bar = h("span", { className: "cvs-ds-bar" });
      bar.style.width = `${(value(c) / top) * 100}%`;
      bar.style.background = colourOf(c.name, classes);
      const tip = byBoxes ? `${plural(c.annotations, "box")} in ${plural(c.images, "image")}` : plural(c.images, "image");
      const row = h(
        "button",
        { className: "cvs-ds-bar-row", role: "listitem", title: `${c.name}: ${tip}. Click to show them.` },
        h("span", { className: "cvs-ds-bar-name" }, c.name),
        h("span", { className: "cvs-ds-bar-track" }, bar),
        h("span", { className: "cvs-ds-bar-value" }, value(c).toLocaleString("en-US")),
      );
      row.addEventListener("click", () => onClass(c.id));
      rows.append(row);
    }
    if (!stats.classes.length) rows.append(h("p", { className: "cvs-ds-note" }, "No classes."));
    const card = this.card(byBoxes ? "Boxes per class" : "Images per class", rows);
    card.classList.add("cvs-ds-classes");
    return card;
  }
}

/** "250 – 270: 1" for the bin under the pointer. */
function binAt(hist: Histogram, canvas: HTMLCanvasElement, e: MouseEvent, unit: string): string {
  const { edges, counts } = hist;
  const [L, W] = (canvas.dataset.plot || "0,1").split(",").map(Number);
  const x = edges[0] + ((e.offsetX - L) / W) * (edges[edges.length - 1] - edges[0]);
  let i = 0;
  while (i < counts.length - 1 && x >= edges[i + 1]) i++;
  return `${tickLabel(edges[i])} – ${tickLabel(edges[i + 1])}: ${plural(counts[i], unit)}`;
}
