// Built from labextension/widgets and labextension/src/draw by `jlpm build:widgets`; do not edit.

// src/draw/downsample.ts
var MAX_POINTS = 2e3;
function downsample(x, y, n, maxPoints = MAX_POINTS) {
  if (n <= maxPoints) {
    return { x: Float32Array.from({ length: n }, (_, i) => x[i]), y: Float32Array.from({ length: n }, (_, i) => y[i]) };
  }
  const buckets = Math.floor(maxPoints / 2);
  const keep = [0];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * n / buckets);
    const end = Math.floor((b + 1) * n / buckets);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (y[i] < y[lo]) lo = i;
      if (y[i] > y[hi]) hi = i;
    }
    if (lo < hi) keep.push(lo, hi);
    else if (hi < lo) keep.push(hi, lo);
    else keep.push(lo);
  }
  keep.push(n - 1);
  const out = { x: new Float32Array(keep.length), y: new Float32Array(keep.length) };
  let m = 0;
  let last = -1;
  for (const i of keep) {
    if (i === last) continue;
    out.x[m] = x[i];
    out.y[m] = y[i];
    m++;
    last = i;
  }
  return { x: out.x.subarray(0, m), y: out.y.subarray(0, m) };
}

// src/draw/theme.ts
var PALETTE = ["#2a7ae2", "#e6194b", "#3cb44b", "#f58231", "#911eb4", "#008080", "#f032e6", "#808000"];
function ink(el) {
  const css = getComputedStyle(el);
  const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v("--jp-ui-font-color1", "#222"),
    muted: v("--jp-ui-font-color2", "#666"),
    grid: v("--jp-border-color2", "#ddd"),
    font: v("--jp-ui-font-family", "sans-serif")
  };
}

// src/draw/ticks.ts
function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}
function tickLabel(value) {
  const a = Math.abs(value);
  if (a >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  if (a !== 0 && a < 1e-3) return value.toExponential(1);
  return String(Number(value.toPrecision(4)));
}
function tickLabels(ticks, value = (t) => t) {
  const short = ticks.map((t) => tickLabel(value(t)));
  if (new Set(short).size === short.length) return (t) => tickLabel(value(t));
  for (let digits = 5; digits <= 10; digits++) {
    const long = ticks.map((t) => String(Number(value(t).toPrecision(digits))));
    if (new Set(long).size === long.length) return (t) => String(Number(value(t).toPrecision(digits)));
  }
  return (t) => String(value(t));
}

// src/draw/frame.ts
function frame(canvas, fontPx, fallback) {
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
function yMargin(f, ticks, pad, label = tickLabel) {
  return pad + Math.max(...ticks.map((t) => f.ctx.measureText(label(t)).width));
}
function yGrid(f, ticks, left, width, py, label = tickLabel) {
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

// src/draw/chart.ts
var DOTS_UP_TO = 60;
function colourOf(s, k) {
  return s.colour || PALETTE[k % PALETTE.length];
}
var GROUPS = [
  ["loss", (n) => n.includes("loss")],
  ["metrics", (n) => n.startsWith("val_") && !n.includes("loss")],
  ["learning rate", (n) => n === "lr"]
];
var drawnOn = /* @__PURE__ */ new WeakMap();
function smooth(y, n, weight) {
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
function logTicks(lo, hi) {
  for (const steps of [[1], [1, 2, 5], [1, 1.5, 2, 3, 5, 7]]) {
    const ticks = [];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
      for (const m of steps) {
        const t = e + Math.log10(m);
        if (t >= lo - 1e-9 && t <= hi + 1e-9) ticks.push(t);
      }
    }
    if (ticks.length > 8) return ticks.filter((_, i) => i % Math.ceil(ticks.length / 6) === 0);
    if (ticks.length >= 3) return ticks;
  }
  return niceTicks(Math.pow(10, lo), Math.pow(10, hi), 4).filter((v) => v > 0).map(Math.log10);
}
function drawChart(canvas, series, options = {}) {
  const opts = typeof options === "string" ? { xLabel: options } : options;
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
  const tf = (v) => log ? Math.log10(v) : v;
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
  const pad = y1 === y0 ? log ? 0.5 : Math.abs(y0) * 0.05 || 0.5 : (y1 - y0) * 0.04;
  y0 -= pad;
  y1 += pad;
  const yTicks = log ? logTicks(y0, y1) : niceTicks(y0, y1, 4);
  const label = tickLabels(yTicks, log ? (t) => Math.pow(10, t) : void 0);
  const L = yMargin(f, yTicks, 8, label);
  const R = 10;
  const T = 8;
  const B = 30;
  const W = cssW - L - R;
  const H = cssH - T - B;
  const px = (x) => L + (x - x0) / (x1 - x0) * W;
  const py = (y) => T + H - (tf(y) - y0) / (y1 - y0) * H;
  yGrid(f, yTicks, L, W, (t) => T + H - (t - y0) / (y1 - y0) * H, label);
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
    const text = tickLabel(t);
    const half = ctx.measureText(text).width / 2;
    ctx.fillText(text, Math.min(cssW - half - 1, Math.max(half + 1, px(t))), T + H + 3);
  }
  ctx.fillText(opts.xLabel || "step", L + W / 2, T + H + 16);
  const marks = opts.marks || [];
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
  const line = (x, y, colour, alpha) => {
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
  const dots = (x, y, colour) => {
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
      y: (d.smoothed || d.raw).y
    }))
  });
  return points;
}
var made = /* @__PURE__ */ new Set();
var themeWatch = null;
function redrawOnThemeChange(chart) {
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
function nearest(xs, x) {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = lo + hi >> 1;
    if (xs[mid] < x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
}
var Chart = class {
  constructor(title, options = {}) {
    this.series = [];
    this.marks = [];
    this.frame = 0;
    /** where the pointer is over the canvas (clientX), for the readout to follow new data */
    this.pointer = null;
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
    new ResizeObserver(() => this.redraw()).observe(this.canvas);
    redrawOnThemeChange(this);
    this.canvas.addEventListener("mousemove", (e) => this.hover(e.clientX));
    this.canvas.addEventListener("mouseleave", () => {
      this.pointer = null;
      this.cursor.hidden = this.readout.hidden = true;
    });
  }
  /** New data: the legend now, the canvas at the next frame (once it has its size). */
  update(series, marks = []) {
    this.series = series;
    this.marks = marks;
    this.legend();
    this.redraw();
  }
  /** Draws at the next frame. */
  redraw() {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.draw());
  }
  /** Draws now; returns the points drawn. */
  draw() {
    cancelAnimationFrame(this.frame);
    const points = drawChart(this.canvas, this.series, { ...this.options, marks: this.marks });
    if (this.pointer !== null) this.hover(this.pointer);
    return points;
  }
  legend() {
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
  hover(clientX) {
    this.pointer = clientX;
    const d = drawnOn.get(this.canvas);
    if (!d || !d.lines.length) return;
    const rect = this.canvas.getBoundingClientRect();
    const at = clientX - rect.left;
    if (at < d.left || at > d.left + d.width) {
      this.cursor.hidden = this.readout.hidden = true;
      return;
    }
    const x = d.x0 + (at - d.left) / d.width * (d.x1 - d.x0);
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
    const slack = 4 / d.width * (d.x1 - d.x0);
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
      row.textContent = `${r.name} ${Number.isFinite(r.value) ? tickLabel(r.value) : "\u2013"}`;
      this.readout.append(row);
    }
    const where = d.left + (snap - d.x0) / (d.x1 - d.x0) * d.width;
    this.cursor.style.left = `${where}px`;
    this.readout.style.left = where > rect.width / 2 ? "" : `${where + 8}px`;
    this.readout.style.right = where > rect.width / 2 ? `${rect.width - where + 8}px` : "";
    this.cursor.hidden = this.readout.hidden = false;
  }
};

// widgets/curves.js
var LIVE = ["starting", "running"];
function floats(view) {
  return new Float32Array(view.buffer, view.byteOffset, view.byteLength / 4);
}
function statusBadge() {
  const status = document.createElement("span");
  status.className = "cvs-status";
  return status;
}
function showStatus(el, s) {
  el.textContent = s;
  el.dataset.status = s;
}
function renderRun({ model, el }) {
  el.classList.add("cvs", "cvs-curves");
  const head = document.createElement("div");
  head.className = "cvs-bar";
  const charts = document.createElement("div");
  charts.className = "cvs-charts";
  const error = document.createElement("div");
  error.className = "cvs-error";
  el.append(head, error, charts);
  function button(action, label) {
    const b = document.createElement("button");
    b.textContent = label;
    b.className = `cvs-${action}`;
    b.onclick = () => request(action);
    return b;
  }
  let pending = null;
  function request(action) {
    pending = { action, nonce: `${Date.now()}-${Math.random()}` };
    model.send(pending);
  }
  const retry = setInterval(() => {
    if (!pending) return;
    model.send(pending);
    if (Date.now() - Number(pending.nonce.split("-")[0]) > 6e3) {
      error.textContent = "The kernel does not answer this page's buttons; reload the page, or run the cell again.";
    }
  }, 2e3);
  model.on("msg:custom", (msg) => {
    if (pending && msg.ack === pending.nonce) {
      pending = null;
      error.textContent = model.get("error");
    }
  });
  const title = document.createElement("b");
  const status = statusBadge();
  const progress = document.createElement("div");
  progress.className = "cvs-progress";
  const fill = document.createElement("div");
  progress.append(fill);
  const where = document.createElement("span");
  const pause = button("pause", "Pause");
  const resume = button("resume", "Resume");
  const stop = button("stop", "Stop");
  head.append(title, status, progress, where, pause, resume, stop);
  function drawHead() {
    title.textContent = model.get("title");
    const s = model.get("status");
    showStatus(status, s);
    const epochs = model.get("epochs") || 1;
    const done = model.get("epoch");
    const step = model.get("step");
    const ends = model.get("epoch_ends") || [];
    const perEpoch = ends.length ? ends[0] : 0;
    const running = s === "running";
    const live = LIVE.includes(s);
    let fraction = done / epochs;
    if (running && perEpoch) fraction = (done + Math.min(1, (step - (ends[ends.length - 1] || 0)) / perEpoch)) / epochs;
    fill.style.width = `${Math.min(100, 100 * fraction)}%`;
    progress.classList.toggle("cvs-indeterminate", s === "starting" || running && !perEpoch);
    const shown = live ? `epoch ${Math.min(done + 1, epochs)} of ${model.get("epochs")}` : `epoch ${done}/${model.get("epochs")}`;
    where.textContent = `${shown} \xB7 step ${step}` + (model.get("best") ? ` \xB7 best ${model.get("best")}` : "");
    pause.disabled = !LIVE.includes(s);
    resume.disabled = !["paused", "interrupted", "stopped"].includes(s);
    stop.disabled = !["queued", "starting", "running", "paused", "interrupted"].includes(s);
    error.textContent = model.get("error");
  }
  const made2 = /* @__PURE__ */ new Map();
  function drawCharts() {
    const series = Object.entries(model.get("series"));
    const marks = model.get("epoch_ends") || [];
    for (const [title2, test] of GROUPS) {
      const members = series.filter(([name]) => test(name));
      if (!members.length) continue;
      let chart = made2.get(title2);
      if (!chart) {
        chart = new Chart(title2, { log: title2 !== "metrics" });
        made2.set(title2, chart);
        charts.append(chart.box);
      }
      chart.update(members.map(([name, s]) => ({ name, x: floats(s.x), y: floats(s.y), total: s.n })), marks);
    }
  }
  drawHead();
  drawCharts();
  for (const n of ["status", "epoch", "epochs", "step", "best", "error"]) model.on(`change:${n}`, drawHead);
  model.on("change:series", drawCharts);
  model.on("change:epoch_ends", () => {
    drawCharts();
    drawHead();
  });
  return () => clearInterval(retry);
}
var METRIC_ORDER = ["val_accuracy", "val_map", "val_map50", "val_top5"];
function compareCharts(runs) {
  const names = new Set(runs.flatMap((r) => Object.keys(r.series)));
  const rank = (n) => METRIC_ORDER.includes(n) ? METRIC_ORDER.indexOf(n) : METRIC_ORDER.length;
  const metrics = [...names].filter((n) => n.startsWith("val_") && !n.includes("loss")).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return [
    { title: "train loss", key: "train_loss", x: "step", log: true },
    { title: "val loss", key: "val_loss", x: "epoch", log: true },
    ...metrics.map((key) => ({ title: key, key, x: "epoch", log: false })),
    { title: "learning rate", key: "lr", x: "step", log: true }
  ];
}
function renderCompare({ model, el }) {
  el.classList.add("cvs", "cvs-curves", "cvs-compare");
  const head = document.createElement("div");
  head.className = "cvs-bar";
  const title = document.createElement("b");
  head.append(title);
  const legend = document.createElement("div");
  legend.className = "cvs-runs";
  const error = document.createElement("div");
  error.className = "cvs-error";
  const charts = document.createElement("div");
  charts.className = "cvs-charts";
  el.append(head, legend, error, charts);
  const entries = /* @__PURE__ */ new Map();
  function drawLegend() {
    title.textContent = `Comparing ${model.get("title")}`;
    const runs = model.get("runs");
    const errors = [];
    for (const r of runs) {
      let e = entries.get(r.id);
      if (!e) {
        const box = document.createElement("span");
        box.className = "cvs-run cvs-key";
        box.dataset.run = String(r.id);
        box.style.setProperty("--cvs-key", r.colour);
        const name = document.createElement("span");
        name.className = "cvs-run-name";
        const status = statusBadge();
        const where = document.createElement("span");
        where.className = "cvs-run-where";
        box.append(name, status, where);
        legend.append(box);
        e = { box, name, status, where };
        entries.set(r.id, e);
      }
      e.name.textContent = `#${r.id} ${r.name}`;
      e.box.title = `run ${r.id}: ${r.name}`;
      showStatus(e.status, r.status);
      const points = Object.values(r.series).some((s) => s.n > 0);
      e.box.classList.toggle("cvs-no-data", !points);
      e.where.textContent = points ? `epoch ${r.epoch}/${r.epochs} \xB7 step ${r.step}` : "no data yet";
      if (r.error) errors.push(`#${r.id}: ${r.error}`);
    }
    error.textContent = errors.join("\n");
  }
  const made2 = /* @__PURE__ */ new Map();
  function drawCharts() {
    const runs = model.get("runs");
    const marks = model.get("marks") || [];
    const order = [];
    for (const spec of compareCharts(runs)) {
      const members = runs.filter((r) => r.series[spec.key] && r.series[spec.key].n > 0);
      if (!members.length) continue;
      let chart = made2.get(spec.key);
      if (!chart) {
        chart = new Chart(spec.title, { log: spec.log, xLabel: spec.x, xInteger: spec.x === "epoch" });
        chart.box.dataset.key = spec.key;
        made2.set(spec.key, chart);
      }
      order.push(chart.box);
      const series = members.map((r) => {
        const s = r.series[spec.key];
        return { name: `#${r.id} ${r.name}`, colour: r.colour, x: floats(s.x), y: floats(s.y), total: s.n };
      });
      chart.update(series, spec.x === "step" ? marks : []);
    }
    order.forEach((box, k) => {
      if (charts.children[k] !== box) charts.insertBefore(box, charts.children[k] || null);
    });
  }
  drawLegend();
  drawCharts();
  model.on("change:runs", () => {
    drawLegend();
    drawCharts();
  });
  model.on("change:marks", drawCharts);
  model.on("change:title", drawLegend);
}
function render(ctx) {
  return ctx.model.get("view") === "compare" ? renderCompare(ctx) : renderRun(ctx);
}
var curves_default = { render };
export {
  curves_default as default
};
