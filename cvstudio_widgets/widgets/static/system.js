// SystemMonitor: one sparkline per figure (percent over the last samples).
function spark(name, values) {
  const row = document.createElement("div");
  row.className = "cvs-spark";
  const label = document.createElement("span");
  label.style.width = "120px";
  label.textContent = name;
  const canvas = document.createElement("canvas");
  canvas.width = 480;
  canvas.height = 72;
  const ctx = canvas.getContext("2d");
  ctx.strokeStyle = "#2a7ae2";
  ctx.lineWidth = 2;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = (i / Math.max(1, values.length - 1)) * canvas.width;
    const y = canvas.height - (Math.max(0, Math.min(100, v)) / 100) * (canvas.height - 4) - 2;
    if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
  });
  ctx.stroke();
  const now = document.createElement("span");
  now.className = "cvs-now";
  now.textContent = values.length ? `${values[values.length - 1].toFixed(0)}%` : "";
  row.append(label, canvas, now);
  return row;
}

function render({ model, el }) {
  el.classList.add("cvs", "cvs-system");
  function draw() {
    el.replaceChildren();
    for (const [name, values] of Object.entries(model.get("history"))) el.append(spark(name, values));
    const latest = model.get("latest");
    if (latest && latest.runs) {
      const runs = document.createElement("div");
      runs.textContent = `runs: ${latest.runs.running} running, ${latest.runs.queued} queued` + ((latest.gpus || []).length ? "" : " · no GPU");
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

export default { render };
