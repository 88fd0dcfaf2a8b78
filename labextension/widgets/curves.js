// TrainingCurves: loss, metric and learning-rate charts from float32 buffers, status,
// progress and pause/resume/stop; and CurvesComparison (view "compare"): several runs
// overlaid, one colour per run, with a legend of the runs. The charts are drawn by the
// lab's shared module.
import { Chart, GROUPS } from "../src/draw/chart";

// statuses in which a run moves: `starting` is a spawned worker still importing
const LIVE = ["starting", "running"];

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

  // the head is built once and updated in place: buttons re-created several times a
  // second would swallow clicks
  function button(action, label) {
    const b = document.createElement("button");
    b.textContent = label;
    b.className = `cvs-${action}`;
    b.onclick = () => request(action);
    return b;
  }
  // A click is sent until the kernel acknowledges it: a message can be lost while the
  // page reconnects to its kernel; the kernel acts once per nonce.
  let pending = null;
  function request(action) {
    pending = { action, nonce: `${Date.now()}-${Math.random()}` };
    model.send(pending);
  }
  const retry = setInterval(() => {
    if (!pending) return;
    model.send(pending);
    if (Date.now() - Number(pending.nonce.split("-")[0]) > 6000) {
      error.textContent = "The kernel does not answer this page's buttons; reload the page, or run the cell again.";
    }
  }, 2000);
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
    // `epoch` counts finished epochs; while running, the one in progress is shown, and the
    // bar moves by steps once the first epoch has told how many steps an epoch has
    const done = model.get("epoch");
    const step = model.get("step");
    const ends = model.get("epoch_ends") || [];
    const perEpoch = ends.length ? ends[0] : 0;
    const running = s === "running";
    const live = LIVE.includes(s);
    let fraction = done / epochs;
    if (running && perEpoch) fraction = (done + Math.min(1, (step - (ends[ends.length - 1] || 0)) / perEpoch)) / epochs;
    fill.style.width = `${Math.min(100, 100 * fraction)}%`;
    // a starting worker has no pace yet: the bar only says that something is under way
    progress.classList.toggle("cvs-indeterminate", s === "starting" || (running && !perEpoch));
    const shown = live ? `epoch ${Math.min(done + 1, epochs)} of ${model.get("epochs")}` : `epoch ${done}/${model.get("epochs")}`;
    where.textContent = `${shown} · step ${step}` + (model.get("best") ? ` · best ${model.get("best")}` : "");
    // a starting worker pauses at its first step, as the server allows
    pause.disabled = !LIVE.includes(s);
    resume.disabled = !["paused", "interrupted", "stopped"].includes(s);
    stop.disabled = !["queued", "starting", "running", "paused", "interrupted"].includes(s);
    error.textContent = model.get("error");
  }

  // one Chart per group, kept across updates so its log and smoothing settings stay
  const made = new Map();
  function drawCharts() {
    const series = Object.entries(model.get("series"));
    const marks = model.get("epoch_ends") || [];
    for (const [title, test] of GROUPS) {
      const members = series.filter(([name]) => test(name));
      if (!members.length) continue;
      let chart = made.get(title);
      if (!chart) {
        chart = new Chart(title, { log: title !== "metrics" });
        made.set(title, chart);
        charts.append(chart.box);
      }
      chart.update(members.map(([name, s]) => ({ name, x: floats(s.x), y: floats(s.y), total: s.n })), marks);
    }
  }
  drawHead();
  drawCharts();
  for (const n of ["status", "epoch", "epochs", "step", "best", "error"]) model.on(`change:${n}`, drawHead);
  model.on("change:series", drawCharts);
  model.on("change:epoch_ends", () => { drawCharts(); drawHead(); });
  return () => clearInterval(retry);
}

// The comparison's charts: per-step series by step, validation by epoch (the kernel
// sends them so); a chart per validation metric, the main ones first.
const METRIC_ORDER = ["val_accuracy", "val_map", "val_map50", "val_top5"];

function compareCharts(runs) {
  const names = new Set(runs.flatMap((r) => Object.keys(r.series)));
  const rank = (n) => (METRIC_ORDER.includes(n) ? METRIC_ORDER.indexOf(n) : METRIC_ORDER.length);
  const metrics = [...names]
    .filter((n) => n.startsWith("val_") && !n.includes("loss"))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return [
    { title: "train loss", key: "train_loss", x: "step", log: true },
    { title: "val loss", key: "val_loss", x: "epoch", log: true },
    ...metrics.map((key) => ({ title: key, key, x: "epoch", log: false })),
    { title: "learning rate", key: "lr", x: "step", log: true },
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

  // a legend entry per run, kept and updated in place
  const entries = new Map();
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
      e.where.textContent = points ? `epoch ${r.epoch}/${r.epochs} · step ${r.step}` : "no data yet";
      if (r.error) errors.push(`#${r.id}: ${r.error}`);
    }
    error.textContent = errors.join("\n");
  }

  // one Chart per key, kept across updates (its log and smoothing settings stay), in order
  const made = new Map();
  function drawCharts() {
    const runs = model.get("runs");
    const marks = model.get("marks") || [];
    const order = [];
    for (const spec of compareCharts(runs)) {
      const members = runs.filter((r) => r.series[spec.key] && r.series[spec.key].n > 0);
      if (!members.length) continue;
      let chart = made.get(spec.key);
      if (!chart) {
        chart = new Chart(spec.title, { log: spec.log, xLabel: spec.x, xInteger: spec.x === "epoch" });
        chart.box.dataset.key = spec.key;
        made.set(spec.key, chart);
      }
      order.push(chart.box);
      const series = members.map((r) => {
        const s = r.series[spec.key];
        return { name: `#${r.id} ${r.name}`, colour: r.colour, x: floats(s.x), y: floats(s.y), total: s.n };
      });
      chart.update(series, spec.x === "step" ? marks : []);
    }
    // a metric seen for the first time goes to its place, not to the end
    order.forEach((box, k) => {
      if (charts.children[k] !== box) charts.insertBefore(box, charts.children[k] || null);
    });
  }
  drawLegend();
  drawCharts();
  model.on("change:runs", () => { drawLegend(); drawCharts(); });
  model.on("change:marks", drawCharts);
  model.on("change:title", drawLegend);
}

function render(ctx) {
  return ctx.model.get("view") === "compare" ? renderCompare(ctx) : renderRun(ctx);
}

export default { render };
