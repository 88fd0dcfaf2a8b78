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
function yMargin(f, ticks, pad) {
  return pad + Math.max(...ticks.map((t) => f.ctx.measureText(tickLabel(t)).width));
}
function yGrid(f, ticks, left, width, py) {
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
    ctx.fillText(tickLabel(t), left - 4, y);
  }
}

// src/draw/chart.ts
var GROUPS = [
  ["loss", (n) => n.includes("loss")],
  ["metrics", (n) => n.startsWith("val_") && !n.includes("loss")],
  ["learning rate", (n) => n === "lr"]
];
function drawChart(canvas, series, xLabel = "step") {
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
  const px = (x) => L + (x - x0) / (x1 - x0) * W;
  const py = (y) => T + H - (y - y0) / (y1 - y0) * H;
  yGrid(f, yTicks, L, W, py);
  ctx.strokeStyle = colours.grid;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of niceTicks(x0, x1, Math.max(2, Math.floor(W / 90)))) {
    ctx.beginPath();
    ctx.moveTo(Math.round(px(t)) + 0.5, T);
    ctx.lineTo(Math.round(px(t)) + 0.5, T + H);
    ctx.stroke();
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
function chartBox(title, series, xLabel = "step") {
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
  requestAnimationFrame(() => drawChart(canvas, series, xLabel));
  return box;
}

// widgets/curves.js
function floats(view) {
  return new Float32Array(view.buffer, view.byteOffset, view.byteLength / 4);
}
function render({ model, el }) {
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
  const status = document.createElement("span");
  status.className = "cvs-status";
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
    status.textContent = s;
    const epochs = model.get("epochs") || 1;
    fill.style.width = `${Math.min(100, 100 * model.get("epoch") / epochs)}%`;
    where.textContent = `epoch ${model.get("epoch")}/${model.get("epochs")} \xB7 step ${model.get("step")}` + (model.get("best") ? ` \xB7 best ${model.get("best")}` : "");
    pause.disabled = s !== "running";
    resume.disabled = !["paused", "interrupted", "stopped"].includes(s);
    stop.disabled = !["queued", "running", "paused", "interrupted"].includes(s);
    error.textContent = model.get("error");
  }
  function drawCharts() {
    charts.replaceChildren();
    const series = Object.entries(model.get("series"));
    for (const [title2, test] of GROUPS) {
      const members = series.filter(([name]) => test(name));
      if (members.length) {
        charts.append(chartBox(title2, members.map(([name, s]) => ({ name, x: floats(s.x), y: floats(s.y), total: s.n }))));
      }
    }
  }
  drawHead();
  drawCharts();
  for (const n of ["status", "epoch", "epochs", "step", "best", "error"]) model.on(`change:${n}`, drawHead);
  model.on("change:series", drawCharts);
  return () => clearInterval(retry);
}
var curves_default = { render };
export {
  curves_default as default
};
