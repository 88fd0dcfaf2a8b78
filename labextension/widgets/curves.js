// TrainingCurves: loss, metric and learning-rate charts from float32 buffers, status,
// progress and pause/resume/stop. The charts are drawn by the lab's shared module.
import { Chart, GROUPS } from "../src/draw/chart";

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
    // `epoch` counts finished epochs; while running, the one in progress is shown, and the
    // bar moves by steps once the first epoch has told how many steps an epoch has
    const done = model.get("epoch");
    const step = model.get("step");
    const ends = model.get("epoch_ends") || [];
    const perEpoch = ends.length ? ends[0] : 0;
    const running = s === "running";
    let fraction = done / epochs;
    if (running && perEpoch) fraction = (done + Math.min(1, (step - (ends[ends.length - 1] || 0)) / perEpoch)) / epochs;
    fill.style.width = `${Math.min(100, 100 * fraction)}%`;
    progress.classList.toggle("cvs-indeterminate", running && !perEpoch);
    const shown = running ? `epoch ${Math.min(done + 1, epochs)} of ${model.get("epochs")}` : `epoch ${done}/${model.get("epochs")}`;
    where.textContent = `${shown} · step ${step}` + (model.get("best") ? ` · best ${model.get("best")}` : "");
    pause.disabled = s !== "running";
    resume.disabled = !["paused", "interrupted", "stopped"].includes(s);
    stop.disabled = !["queued", "running", "paused", "interrupted"].includes(s);
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

export default { render };
