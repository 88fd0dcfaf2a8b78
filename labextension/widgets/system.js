// SystemMonitor: one sparkline per figure (percent over the last samples).
import { sparkRow } from "../src/draw/spark";

function render({ model, el }) {
  el.classList.add("cvs", "cvs-system");
  function draw() {
    el.replaceChildren();
    for (const [name, values] of Object.entries(model.get("history"))) el.append(sparkRow(name, values));
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
