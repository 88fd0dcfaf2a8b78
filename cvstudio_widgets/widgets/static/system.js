// Built from labextension/widgets and labextension/src/draw by `jlpm build:widgets`; do not edit.

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

// src/draw/spark.ts
function drawSpark(canvas, values, max = 100) {
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
    const x = i / Math.max(1, values.length - 1) * w;
    const y = h - Math.max(0, Math.min(max, v)) / max * (h - 4) - 2;
    if (i) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
  });
  ctx.stroke();
  canvas.dataset.samples = String(values.length);
}
function sparkRow(name, values, unit = "%", max = 100) {
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

// widgets/system.js
function render({ model, el }) {
  el.classList.add("cvs", "cvs-system");
  function draw() {
    el.replaceChildren();
    for (const [name, values] of Object.entries(model.get("history"))) el.append(sparkRow(name, values));
    const latest = model.get("latest");
    if (latest && latest.runs) {
      const runs = document.createElement("div");
      runs.textContent = `runs: ${latest.runs.running} running, ${latest.runs.queued} queued` + ((latest.gpus || []).length ? "" : " \xB7 no GPU");
      el.append(runs);
    }
    if (model.get("error")) {
      const e = document.createElement("div");
      e.className = "cvs-error";
      e.textContent = model.get("error");
      el.append(e);
    }
  }
  draw();
  model.on("change:history", draw);
  model.on("change:error", draw);
}
var system_default = { render };
export {
  system_default as default
};
