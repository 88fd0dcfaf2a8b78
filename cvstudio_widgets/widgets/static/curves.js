// TrainingCurves: loss, metric and learning-rate charts from float32 buffers, status,
// progress and pause/resume/stop.
const GROUPS = [
  ["loss", (n) => n.includes("loss")],
  ["metrics", (n) => n.startsWith("val_") && !n.includes("loss")],
  ["learning rate", (n) => n === "lr"],
];
const COLORS = ["#2a7ae2", "#e6194b", "#3cb44b", "#f58231", "#911eb4", "#008080"];

function floats(view) {
  return new Float32Array(view.buffer, view.byteOffset, view.byteLength / 4);
}

function chart(title, series) {
  const box = document.createElement("div");
  box.className = "cvs-chart";
  const head = document.createElement("div");
  head.textContent = title;
  const canvas = document.createElement("canvas");
  canvas.width = 600;
  canvas.height = 360;
  box.append(head, canvas);
  const ctx = canvas.getContext("2d");
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const data = series.map(([name, s]) => [name, floats(s.x), floats(s.y), s.n]);
  for (const [, xs, ys] of data) {
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(ys[i])) continue;
      x0 = Math.min(x0, xs[i]); x1 = Math.max(x1, xs[i]);
      y0 = Math.min(y0, ys[i]); y1 = Math.max(y1, ys[i]);
    }
  }
  if (!Number.isFinite(x0)) return box;
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y1 = y0 + Math.abs(y0) * 0.1 + 1e-9; }
  const L = 60, R = 10, T = 10, B = 30, W = canvas.width - L - R, H = canvas.height - T - B;
  ctx.font = "20px sans-serif";
  ctx.fillStyle = "#555";
  ctx.fillText(y1.toPrecision(3), 2, T + 16);
  ctx.fillText(y0.toPrecision(3), 2, T + H);
  ctx.fillText(`step ${x0}`, L, canvas.height - 6);
  ctx.fillText(`${x1}`, canvas.width - R - 60, canvas.height - 6);
  data.forEach(([name, xs, ys, n], k) => {
    ctx.strokeStyle = COLORS[k % COLORS.length];
    ctx.lineWidth = 2;
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(ys[i])) continue;
      const px = L + ((xs[i] - x0) / (x1 - x0)) * W;
      const py = T + H - ((ys[i] - y0) / (y1 - y0)) * H;
      if (started) ctx.lineTo(px, py); else { ctx.moveTo(px, py); started = true; }
    }
    ctx.stroke();
    ctx.fillStyle = COLORS[k % COLORS.length];
    ctx.fillText(`${name} (${n})`, L + 10 + 200 * k, T + 20);
  });
  canvas.dataset.points = data.reduce((a, d) => a + d[1].length, 0);
  return box;
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
      if (members.length) charts.append(chart(title, members));
    }
  }
  drawHead();
  drawCharts();
  for (const n of ["status", "epoch", "epochs", "step", "best", "error"]) model.on(`change:${n}`, drawHead);
  model.on("change:series", drawCharts);
  return () => clearInterval(retry);
}

export default { render };
