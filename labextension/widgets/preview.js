// DatasetPreview: the grid, filters, full image and augmentation, drawn from kernel data.
import { drawImage } from "../src/draw/boxes";

function option(value, text, selected) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  o.selected = selected;
  return o;
}

function select(label, options, current, onChange) {
  const s = document.createElement("select");
  s.title = label;
  for (const [v, t] of options) s.append(option(v, t, String(v) === String(current)));
  s.onchange = () => onChange(s.value);
  return s;
}

function render({ model, el }) {
  el.classList.add("cvs", "cvs-preview");
  const set = (name, value) => { model.set(name, value); model.save_changes(); };

  function draw() {
    el.replaceChildren();
    const classes = model.get("classes");
    const bar = document.createElement("div");
    bar.className = "cvs-bar";
    const title = document.createElement("b");
    title.textContent = model.get("title");
    bar.append(title);
    bar.append(select("split", [["", "all splits"], ...model.get("splits").map((s) => [s, s])], model.get("split"), (v) => set("split", v)));
    bar.append(select("class", [[-1, "all classes"], ...classes.map((c, i) => [i, c])], model.get("class_id"), (v) => set("class_id", Number(v))));
    bar.append(select("defect", [["", "any defects"], ...model.get("issue_kinds").map((k) => [k, k])], model.get("issue"), (v) => set("issue", v)));
    const pages = Math.max(1, Math.ceil(model.get("total") / model.get("page_size")));
    const prev = document.createElement("button");
    prev.textContent = "◀";
    prev.disabled = model.get("page") <= 0;
    prev.onclick = () => set("page", model.get("page") - 1);
    const next = document.createElement("button");
    next.textContent = "▶";
    next.disabled = model.get("page") >= pages - 1;
    next.onclick = () => set("page", model.get("page") + 1);
    const where = document.createElement("span");
    where.className = "cvs-page";
    where.textContent = `page ${model.get("page") + 1} of ${pages} (${model.get("total")} images)`;
    const aug = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = model.get("augment");
    box.onchange = () => set("augment", box.checked);
    aug.append(box, " augmented");
    bar.append(prev, where, next, aug);
    el.append(bar);
    if (model.get("error")) {
      const err = document.createElement("div");
      err.className = "cvs-error";
      err.textContent = model.get("error");
      el.append(err);
    }
    const grid = document.createElement("div");
    grid.className = "cvs-grid";
    const thumbs = model.get("thumbs");
    model.get("items").forEach((item, i) => {
      const cell = document.createElement("div");
      cell.className = "cvs-cell";
      cell.dataset.imageId = item.id;
      const canvas = document.createElement("canvas");
      cell.append(canvas);
      if (thumbs[i]) drawImage(canvas, thumbs[i], item, item.boxes, classes);
      const cap = document.createElement("div");
      cap.className = "cvs-caption";
      const label = item.label !== null && item.label !== undefined ? classes[item.label] + " · " : "";
      cap.textContent = label + item.file.split("/").pop();
      if (item.issues.length) {
        const warn = document.createElement("span");
        warn.className = "cvs-issue";
        warn.textContent = " ⚠ " + item.issues.join(", ");
        cap.append(warn);
      }
      cell.title = item.file;
      cell.append(cap);
      cell.onclick = () => set("selected", item.id === model.get("selected") ? -1 : item.id);
      grid.append(cell);
    });
    el.append(grid);
    const full = model.get("full");
    if (full && full.byteLength) {
      const pane = document.createElement("div");
      pane.className = "cvs-full";
      const item = model.get("full_item");
      const left = document.createElement("div");
      const c1 = document.createElement("canvas");
      c1.className = "cvs-full-image";
      left.append(c1);
      drawImage(c1, full, item, item.boxes, classes, "image/*");
      const info = document.createElement("div");
      info.className = "cvs-full-info";
      info.textContent = `${item.file || ""} ${item.width}×${item.height}, ${item.boxes ? item.boxes.length : 0} boxes`;
      left.append(info);
      pane.append(left);
      const augmented = model.get("augmented");
      if (model.get("augment") && augmented && augmented.byteLength) {
        const right = document.createElement("div");
        const c2 = document.createElement("canvas");
        c2.className = "cvs-augmented";
        right.append(c2);
        drawImage(c2, augmented, { width: 0, height: 0 }, model.get("augmented_boxes"), classes, "image/png");
        const p = document.createElement("div");
        p.textContent = "augmented: " + model.get("pipeline").map((s) => s.type).join(" → ");
        right.append(p);
        pane.append(right);
      }
      el.append(pane);
    }
  }
  draw();
  for (const name of ["items", "thumbs", "total", "page", "error", "full", "augmented", "augment", "issue_kinds", "selected"]) {
    model.on(`change:${name}`, draw);
  }
}

export default { render };
