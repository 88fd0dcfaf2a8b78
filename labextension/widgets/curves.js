// TrainingCurves: loss, metric and learning-rate charts from float32 buffers, status,
// progress and pause/resume/stop. The charts are drawn by the lab's shared module.
import { GROUPS, chartBox } from "../src/draw/chart";

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
    fill.style.width = `${Math.min(100, (100 * model.get("epoch")) / epochs)}%`;
    where.textContent = `epoch ${model.get("epoch")}/${model.get("epochs")} · step ${model.get("step")}` + (model.get("best") ? ` · best ${model.get("best")}` : "");
    pause.disabled = s !== "running";
    resume.disabled = !["paused", "interrupted", "stopped"].includes(s);
    stop.disabled = !["queued", "running", "paused", "interrupted"].includes(s);
    error.textContent = model.get("error");
  }

  function drawCharts() {
    charts.replaceChildren();
    const series = Object.entries(model.get("series"));
    for (const [title, test] of GROUPS) {
      const members = series.filter(([name]) => test(name));
      if (members.length) {
        charts.append(chartBox(title, members.map(([name, s]) => ({ name, x: floats(s.x), y: floats(s.y), total: s.n }))));
      }
    }
  }
  drawHead();
  drawCharts();
  for (const n of ["status", "epoch", "epochs", "step", "best", "error"]) model.on(`change:${n}`, drawHead);
  model.on("change:series", drawCharts);
  return () => clearInterval(retry);
}

export default { render };
