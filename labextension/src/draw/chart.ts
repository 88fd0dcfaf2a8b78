// Line charts on a canvas: the notebook's TrainingCurves widget and the lab's run tab
// both draw with this module. Axes with nice ticks and a grid; the legend is HTML above
// the canvas, so it never covers a line.
import { MAX_POINTS, downsample } from "./downsample";
import { frame, yGrid, yMargin } from "./frame";
import { PALETTE } from "./theme";
import { niceTicks, tickLabel, tickLabels } from "./ticks";

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** points in the whole series (the drawn arrays may be downsampled) */
  total?: number;
  /** its colour, when it must stay the same across charts (a run in a comparison); else the palette's by order */
  colour?: string;
}

/** Points on a line up to which each is also drawn as a dot (a few epochs read better so). */
const DOTS_UP_TO = 60;

function colourOf(s: Series, k: number): string {
  return s.colour || PALETTE[k % PALETTE.length];
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

export interface ChartOptions {
  xLabel?: string;
  /** a log10 value axis (used only when every value is positive) */
  log?: boolean;
  /** exponential moving average weight, 0 (off) to 0.99: the raw line stays, faint */
  smoothing?: number;
  /** x positions of epoch ends, drawn as dashed marks */
  marks?: ArrayLike<number>;
  /** x is a count (epochs): ticks at whole numbers only, and a little room at either end */
  xInteger?: boolean;
}

/** What was drawn, for the hover readout. */
interface Drawn {
  left: number;
  width: number;
  x0: number;
  x1: number;
  lines: { name: string; colour: string; x: Float32Array; y: Float32Array }[];
}

const drawnOn = new WeakMap<HTMLCanvasElement, Drawn>();

/** TensorBoard's debiased exponential moving average. */
export function smooth(y: ArrayLike<number>, n: number, weight: number): Float64Array {
  const out = new Float64Array(n);
  let last = 0;
  let debias = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    out[i] = last / debias;
  }
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  // powers of ten over several decades; 1, 2, 5 over one or two; finer over less, so
  // that there are always a few labels spread over the axis
  for (const steps of [[1], [1, 2, 5], [1, 1.5, 2, 3, 5, 7]]) {
    const ticks: number[] = [];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
      for (const m of steps) {
        const t = e + Math.log10(m);
        if (t >= lo - 1e-9 && t <= hi + 1e-9) ticks.push(t);
      }
    }
    // many decades: every other power (or fewer), not a label on every grid line's heels
    if (ticks.length > 8) return ticks.filter((_, i) => i % Math.ceil(ticks.length / 6) === 0);
    if (ticks.length >= 3) return ticks;
  }
  // a small part of a decade: nice values of the data itself, placed on the log axis
  return niceTicks(Math.pow(10, lo), Math.pow(10, hi), 4)
    .filter((v) => v > 0)
    .map(Math.log10);
}

/** Draws the series; returns the number of points drawn (also kept in `data-points`). */
export function drawChart(canvas: HTMLCanvasElement, series: Series[], options: ChartOptions | string = {}): number {
  const opts: ChartOptions = typeof options === "string" ? { xLabel: options } : options;
  const f = frame(canvas, 11, [600, 240]);
  if (!f) return 0;
  const { ctx, colours } = f;
  const cssW = f.w;
  const cssH = f.h;
  const weight = Math.max(0, Math.min(0.99, opts.smoothing || 0));
  const positive = series.every((s) => {
    for (let i = 0; i < s.x.length; i++) if (Number.isFinite(s.y[i]) && s.y[i] <= 0) return false;
    return true;
  });
  const log = Boolean(opts.log) && positive;
  canvas.dataset.scale = log ? "log" : "linear";
  const tf = (v: number): number => (log ? Math.log10(v) : v);
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const drawn = series.map((s) => {
    const raw = downsample(s.x, s.y, s.x.length, MAX_POINTS);
    const smoothed = weight ? downsample(s.x, smooth(s.y, s.x.length, weight), s.x.length, MAX_POINTS) : null;
    for (const d of smoothed ? [raw, smoothed] : [raw]) {
      for (let i = 0; i < d.x.length; i++) {
        if (!Number.isFinite(d.y[i])) continue;
        x0 = Math.min(x0, d.x[i]);
        x1 = Math.max(x1, d.x[i]);
        y0 = Math.min(y0, tf(d.y[i]));
        y1 = Math.max(y1, tf(d.y[i]));
      }
    }
    return { raw, smoothed };
  });
  const points = drawn.reduce((a, d) => a + d.raw.x.length, 0);
  canvas.dataset.points = String(points);
  if (!Number.isFinite(x0)) return 0;
  if (opts.xInteger) {
    x0 -= 0.25;
    x1 += 0.25;
  } else if (x1 === x0) x1 = x0 + 1;
  // a little room above and below, so the extreme points (and their dots) clear the frame
  const pad = y1 === y0 ? (log ? 0.5 : Math.abs(y0) * 0.05 || 0.5) : (y1 - y0) * 0.04;
  y0 -= pad;
  y1 += pad;
  const yTicks = log ? logTicks(y0, y1) : niceTicks(y0, y1, 4);
  const label = tickLabels(yTicks, log ? (t) => Math.pow(10, t) : undefined);
  const L = yMargin(f, yTicks, 8, label);
  const R = 10;
  const T = 8;
  const B = 30;
  const W = cssW - L - R;
  const H = cssH - T - B;
  const px = (x: number): number => L + ((x - x0) / (x1 - x0)) * W;
  const py = (y: number): number => T + H - ((tf(y) - y0) / (y1 - y0)) * H;
  // on a log scale the ticks are log10 values already: placed as they are, labelled as powers
  yGrid(f, yTicks, L, W, (t) => T + H - ((t - y0) / (y1 - y0)) * H, label);
  ctx.strokeStyle = colours.grid;
  ctx.fillStyle = colours.muted;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const xTicks = niceTicks(x0, x1, Math.max(2, Math.floor(W / 90)));
  for (const t of opts.xInteger ? xTicks.filter((v) => Number.isInteger(v)) : xTicks) {
    ctx.beginPath();
    ctx.moveTo(Math.round(px(t)) + 0.5, T);
    ctx.lineTo(Math.round(px(t)) + 0.5, T + H);
    ctx.stroke();
    // a label near either edge is kept whole inside the canvas
    const text = tickLabel(t);
    const half = ctx.measureText(text).width / 2;
    ctx.fillText(text, Math.min(cssW - half - 1, Math.max(half + 1, px(t))), T + H + 3);
  }
  ctx.fillText(opts.xLabel || "step", L + W / 2, T + H + 16);
  const marks = opts.marks || [];
  // marks closer than 6 px apart would only grey the plot: then none is drawn
  if (marks.length && marks.length <= W / 6) {
    ctx.save();
    ctx.setLineDash([3, 3]);
    ctx.strokeStyle = colours.muted;
    for (let i = 0; i < marks.length; i++) {
      if (marks[i] <= x0 || marks[i] > x1) continue;
      const x = Math.round(px(marks[i])) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, T);
      ctx.lineTo(x, T + H);
      ctx.stroke();
    }
    ctx.restore();
  }
  canvas.dataset.marks = String(marks.length);
  const line = (x: Float32Array, y: Float32Array, colour: string, alpha: number): void => {
    ctx.strokeStyle = colour;
    ctx.globalAlpha = alpha;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(y[i])) {
        started = false;
        continue;
      }
      if (started) ctx.lineTo(px(x[i]), py(y[i]));
      else {
        ctx.moveTo(px(x[i]), py(y[i]));
        started = true;
      }
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
  };
  const dots = (x: Float32Array, y: Float32Array, colour: string): void => {
    if (x.length > DOTS_UP_TO) return;
    ctx.fillStyle = colour;
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(y[i])) continue;
      ctx.beginPath();
      ctx.arc(px(x[i]), py(y[i]), 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  };
  drawn.forEach((d, k) => {
    const colour = colourOf(series[k], k);
    line(d.raw.x, d.raw.y, colour, d.smoothed ? 0.25 : 1);
    if (d.smoothed) line(d.smoothed.x, d.smoothed.y, colour, 1);
    const shown = d.smoothed || d.raw;
    dots(shown.x, shown.y, colour);
  });
  drawnOn.set(canvas, {
    left: L,
    width: W,
    x0,
    x1,
    lines: drawn.map((d, k) => ({
      name: series[k].name,
      colour: colourOf(series[k], k),
      x: (d.smoothed || d.raw).x,
      y: (d.smoothed || d.raw).y,
    })),
  });
  return points;
}

// Every chart made, redrawn when the lab's theme changes: its colours are read from CSS
// variables at draw time. Held weakly, so a chart gone from the page is not kept.
const made = new Set<WeakRef<Chart>>();
let themeWatch: MutationObserver | null = null;

function redrawOnThemeChange(chart: Chart): void {
  made.add(new WeakRef(chart));
  if (themeWatch) return;
  themeWatch = new MutationObserver(() => {
    for (const ref of made) {
      const c = ref.deref();
      if (!c) made.delete(ref);
      else if (c.box.isConnected) c.redraw();
    }
  });
  themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
}

/** The index of the point of `xs` (sorted) nearest to x. */
function nearest(xs: Float32Array, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
}

/**
 * A titled chart: a legend with each series' last value, a log toggle and a smoothing
 * slider, the canvas, and a readout of every series at the step under the pointer.
 * The notebook's TrainingCurves and the lab's run tab both use it.
 */
export class Chart {
  readonly box: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly keys: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly cursor: HTMLElement;
  private series: Series[] = [];
  private marks: ArrayLike<number> = [];
  private frame = 0;
  /** where the pointer is over the canvas (clientX), for the readout to follow new data */
  private pointer: number | null = null;
  readonly options: ChartOptions;

  constructor(title: string, options: ChartOptions = {}) {
    this.options = { xLabel: "step", ...options };
    this.box = document.createElement("div");
    this.box.className = "cvs-chart";
    this.box.dataset.chart = title;
    const head = document.createElement("div");
    head.className = "cvs-chart-head";
    const name = document.createElement("b");
    name.textContent = title;
    this.keys = document.createElement("span");
    this.keys.className = "cvs-keys";
    const tools = document.createElement("span");
    tools.className = "cvs-chart-tools";
    const logBox = document.createElement("input");
    logBox.type = "checkbox";
    logBox.className = "cvs-log";
    logBox.checked = Boolean(this.options.log);
    logBox.onchange = () => {
      this.options.log = logBox.checked;
      this.draw();
    };
    const logLabel = document.createElement("label");
    logLabel.title = "A log scale for the values (when they are all positive)";
    logLabel.append(logBox, " log");
    const slider = document.createElement("input");
    slider.type = "range";
    slider.className = "cvs-smoothing";
    slider.min = "0";
    slider.max = "0.99";
    slider.step = "0.01";
    slider.value = String(this.options.smoothing || 0);
    slider.oninput = () => {
      this.options.smoothing = Number(slider.value);
      this.draw();
    };
    const smoothLabel = document.createElement("label");
    smoothLabel.title = "Smoothing (exponential moving average); the raw line stays, faint";
    smoothLabel.append("smooth ", slider);
    tools.append(logLabel, smoothLabel);
    head.append(name, this.keys, tools);
    const plot = document.createElement("div");
    plot.className = "cvs-plot";
    this.canvas = document.createElement("canvas");
    this.cursor = document.createElement("div");
    this.cursor.className = "cvs-cursor";
    this.readout = document.createElement("div");
    this.readout.className = "cvs-readout";
    this.cursor.hidden = this.readout.hidden = true;
    plot.append(this.canvas, this.cursor, this.readout);
    this.box.append(head, plot);
    // drawn again at its new size (a sidebar opened, the window resized), and in a new theme
    new ResizeObserver(() => this.redraw()).observe(this.canvas);
    redrawOnThemeChange(this);
    this.canvas.addEventListener("mousemove", (e) => this.hover(e.clientX));
    this.canvas.addEventListener("mouseleave", () => {
      this.pointer = null;
      this.cursor.hidden = this.readout.hidden = true;
    });
  }

  /** New data: the legend now, the canvas at the next frame (once it has its size). */
  update(series: Series[], marks: ArrayLike<number> = []): void {
    this.series = series;
    this.marks = marks;
    this.legend();
    this.redraw();
  }

  /** Draws at the next frame. */
  redraw(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Draws now; returns the points drawn. */
  draw(): number {
    cancelAnimationFrame(this.frame);
    const points = drawChart(this.canvas, this.series, { ...this.options, marks: this.marks });
    // new data moves the axes: the readout is worked out again for the same pointer
    if (this.pointer !== null) this.hover(this.pointer);
    return points;
  }

  private legend(): void {
    const keys = this.series.map((s, k) => {
      const key = document.createElement("span");
      key.className = "cvs-key";
      key.style.setProperty("--cvs-key", colourOf(s, k));
      const last = s.x.length ? s.y[s.x.length - 1] : NaN;
      key.textContent = `${s.name}${Number.isFinite(last) ? ` ${tickLabel(last)}` : ""}`;
      key.title = `${s.total ?? s.x.length} points`;
      return key;
    });
    this.keys.replaceChildren(...keys);
  }

  private hover(clientX: number): void {
    this.pointer = clientX;
    const d = drawnOn.get(this.canvas);
    if (!d || !d.lines.length) return;
    const rect = this.canvas.getBoundingClientRect();
    const at = clientX - rect.left;
    if (at < d.left || at > d.left + d.width) {
      this.cursor.hidden = this.readout.hidden = true;
      return;
    }
    const x = d.x0 + ((at - d.left) / d.width) * (d.x1 - d.x0);
    // the readout is at the data point nearest the pointer, of any line; a line shows
    // its value there, or a dash where it has no points (a shorter run, before the first epoch)
    let snap = NaN;
    let gap = Infinity;
    for (const l of d.lines) {
      if (!l.x.length) continue;
      const i = nearest(l.x, x);
      if (Math.abs(l.x[i] - x) < gap) {
        gap = Math.abs(l.x[i] - x);
        snap = l.x[i];
      }
    }
    if (!Number.isFinite(snap)) return;
    const slack = (4 / d.width) * (d.x1 - d.x0);
    const rows = d.lines.map((l) => {
      const [first, last] = [l.x[0], l.x[l.x.length - 1]];
      const inside = l.x.length > 0 && snap >= Math.min(first, last) - slack && snap <= Math.max(first, last) + slack;
      return { name: l.name, value: inside ? l.y[nearest(l.x, snap)] : NaN, colour: l.colour };
    });
    this.readout.replaceChildren();
    const head = document.createElement("div");
    head.textContent = `${this.options.xLabel || "step"} ${tickLabel(snap)}`;
    this.readout.append(head);
    for (const r of rows) {
      const row = document.createElement("div");
      row.className = "cvs-key";
      row.style.setProperty("--cvs-key", r.colour);
      row.textContent = `${r.name} ${Number.isFinite(r.value) ? tickLabel(r.value) : "–"}`;
      this.readout.append(row);
    }
    const where = d.left + ((snap - d.x0) / (d.x1 - d.x0)) * d.width;
    this.cursor.style.left = `${where}px`;
    this.readout.style.left = where > rect.width / 2 ? "" : `${where + 8}px`;
    this.readout.style.right = where > rect.width / 2 ? `${rect.width - where + 8}px` : "";
    this.cursor.hidden = this.readout.hidden = false;
  }
}

/** A titled chart with its data, drawn once it is in the page. */
export function chartBox(title: string, series: Series[], options: ChartOptions | string = {}): HTMLElement {
  const chart = new Chart(title, typeof options === "string" ? { xLabel: options } : options);
  chart.update(series);
  return chart.box;
}
