// Built from labextension/widgets and labextension/src/draw by `jlpm build:widgets`; do not edit.

// src/draw/theme.ts
var PALETTE = ["#2a7ae2", "#e6194b", "#3cb44b", "#f58231", "#911eb4", "#008080", "#f032e6", "#808000"];

// src/draw/boxes.ts
function colourOf(name, classes) {
  const i = classes.indexOf(name);
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
}
var latest = /* @__PURE__ */ new WeakMap();
var calls = 0;
function drawImage(canvas, source, size, boxes, classes, type = "image/jpeg", options = {}) {
  const blob = source instanceof Blob ? source : new Blob([source], { type });
  const url = URL.createObjectURL(blob);
  const img = new Image();
  const call = ++calls;
  latest.set(canvas, call);
  canvas.dataset.drawn = "0";
  return new Promise((resolve) => {
    img.onload = () => {
      URL.revokeObjectURL(url);
      if (latest.get(canvas) !== call) {
        resolve();
        return;
      }
      const { naturalWidth: iw, naturalHeight: ih } = img;
      const shown = options.displayWidth && options.displayWidth > 0 ? options.displayWidth : 0;
      const enlarge = shown ? Math.max(1, Math.ceil(shown * Math.min(2, window.devicePixelRatio || 1) / iw)) : 1;
      canvas.width = iw * enlarge;
      canvas.height = ih * enlarge;
      const px = shown ? canvas.width / shown : 0;
      let names = 0;
      const ctx = canvas.getContext("2d");
      if (ctx) {
        ctx.imageSmoothingEnabled = enlarge === 1;
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        const sx = canvas.width / (size.width || iw);
        const sy = canvas.height / (size.height || ih);
        ctx.lineWidth = px ? 1.5 * px : Math.max(1, iw / 160);
        const fontPx = px ? 11 * px : Math.max(9, Math.min(16, iw / 18));
        ctx.font = `${fontPx}px sans-serif`;
        ctx.textBaseline = "bottom";
        for (const [x, y, w, h, name] of boxes || []) {
          const colour = colourOf(name, classes);
          ctx.strokeStyle = colour;
          ctx.strokeRect(x * sx, y * sy, w * sx, h * sy);
          if (options.labels === false) continue;
          const label = String(name);
          const tw = ctx.measureText(label).width + 4;
          const ty = y * sy > fontPx + 2 ? y * sy : y * sy + fontPx + 2;
          ctx.fillStyle = colour;
          ctx.fillRect(x * sx, ty - fontPx - 2, tw, fontPx + 2);
          ctx.fillStyle = "#fff";
          ctx.fillText(label, x * sx + 2, ty - 1);
          names++;
        }
      }
      canvas.dataset.boxes = String(boxes ? boxes.length : 0);
      canvas.dataset.labels = String(names);
      canvas.dataset.drawn = "1";
      resolve();
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      if (latest.get(canvas) === call) canvas.dataset.drawn = "error";
      resolve();
    };
    img.src = url;
  });
}

// widgets/preview.js
var INTERPOLATION = ["nearest", "linear", "cubic", "area", "lanczos4", "linear exact", "nearest exact"];
var BORDER = ["constant", "replicate", "reflect", "wrap", "reflect 101"];
var HIDDEN = /mask|keypoint/;
var views = 0;
function html(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== void 0) e.textContent = text;
  return e;
}
function select(label, options, current, onChange) {
  const s = html("select");
  s.title = label;
  s.setAttribute("aria-label", label);
  for (const [v, text] of options) {
    const o = html("option", "", text);
    o.value = v;
    o.selected = String(v) === String(current);
    s.append(o);
  }
  s.onchange = () => onChange(s.value);
  return s;
}
function toggle(text, checked, onChange) {
  const label = html("label", "cvs-check");
  const box = html("input");
  box.type = "checkbox";
  box.checked = checked;
  box.onchange = () => onChange(box.checked);
  label.append(box, ` ${text}`);
  return label;
}
function button(text, title, onClick) {
  const b = html("button", "", text);
  b.title = title;
  b.setAttribute("aria-label", title);
  b.onclick = onClick;
  return b;
}
var same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function choiceText(param, value) {
  if (value === null) return "none";
  if (/interpolation/.test(param) && INTERPOLATION[value]) return `${value} \xB7 ${INTERPOLATION[value]}`;
  if (param === "border_mode" && BORDER[value]) return `${value} \xB7 ${BORDER[value]}`;
  return String(value);
}
function describe(param) {
  const bounds = Object.entries(param.constraints || {}).map(([k, v]) => `${{ ge: "\u2265", gt: ">", le: "\u2264", lt: "<", max: "\u2264" }[k] || k} ${v}`);
  const parts = [param.type, ...bounds];
  parts.push(param.required ? "required" : `default ${JSON.stringify(param.default)}`);
  return `${param.name}: ${parts.join(", ")}`;
}
function guess(name, item) {
  const h = item.height || 64;
  const w = item.width || 64;
  const three = (v) => Math.max(1, Math.round(v * 0.75));
  return { height: three(h), width: three(w), size: [three(h), three(w)], min_max_height: [Math.max(1, Math.round(h / 2)), h] }[name] ?? null;
}
function numberField(value, integer) {
  const f = html("input", "cvs-aug-number");
  f.type = "number";
  f.step = integer ? "1" : "any";
  f.value = value === null || value === void 0 ? "" : String(value);
  return f;
}
var numberOf = (text) => text.trim() === "" ? null : Number(text);
function paramInput(param, value, key, commit) {
  const spec = param.input || { kind: "json" };
  const keyed = (e, n = 0) => {
    e.dataset.key = `${key}:${n}`;
    return e;
  };
  if (spec.kind === "bool") {
    const box = keyed(html("input"));
    box.type = "checkbox";
    box.checked = Boolean(value);
    box.onchange = () => commit(box.checked);
    return [box];
  }
  if (spec.kind === "choice") {
    const choices = spec.choices.map((c) => [JSON.stringify(c), choiceText(param.name, c)]);
    if (!spec.choices.some((c) => same(c, value))) choices.unshift([JSON.stringify(value), choiceText(param.name, value)]);
    return [keyed(select(param.name, choices, JSON.stringify(value), (v) => commit(JSON.parse(v))))];
  }
  if (spec.kind === "number" && (value === null || typeof value === "number")) {
    const f2 = keyed(numberField(value, spec.integer));
    f2.onchange = () => commit(numberOf(f2.value));
    return [f2];
  }
  if (spec.kind === "tuple" && (value === null || Array.isArray(value) && value.length === spec.length)) {
    const fields = Array.from({ length: spec.length }, (_, i) => keyed(numberField(value ? value[i] : null, spec.integer), i));
    for (const f2 of fields) {
      f2.onchange = () => {
        const values = fields.map((x) => numberOf(x.value));
        commit(spec.nullable && values.every((v) => v === null) ? null : values);
      };
    }
    return fields;
  }
  const f = keyed(html("input", "cvs-aug-json"));
  f.value = JSON.stringify(value);
  f.spellcheck = false;
  f.onchange = () => {
    try {
      commit(f.value.trim() === "" ? null : JSON.parse(f.value));
    } catch {
      commit(new Error(`${param.name} is not JSON: ${f.value}`));
    }
  };
  return [f];
}
function render({ model, el }) {
  el.classList.add("cvs", "cvs-preview");
  const set = (name, value) => {
    model.set(name, value);
    model.save_changes();
  };
  const bar = html("div", "cvs-bar");
  const editor = html("div", "cvs-aug");
  const error = html("div", "cvs-error cvs-preview-error");
  const grid = html("div", "cvs-grid");
  const full = html("div", "cvs-full");
  el.replaceChildren(bar, editor, error, grid, full);
  const local = /* @__PURE__ */ new Map();
  const radios = `cvs-apply-${++views}`;
  let seedField = null;
  let busy = null;
  const drawOptions = (canvas) => ({ labels: model.get("show_labels"), displayWidth: canvas.clientWidth || 160 });
  const boxesIf = (boxes) => model.get("show_boxes") ? boxes : [];
  const pageMode = () => model.get("augment") && model.get("apply_to") === "page";
  function drawBar() {
    const classes = model.get("classes");
    const pages = Math.max(1, Math.ceil(model.get("total") / model.get("page_size")));
    const title = html("b", "", model.get("title"));
    const where = html("span", "cvs-page", `page ${model.get("page") + 1} of ${pages} (${model.get("total")} images)`);
    const prev = button("\u25C0", "previous page", () => set("page", model.get("page") - 1));
    prev.disabled = model.get("page") <= 0;
    const next = button("\u25B6", "next page", () => set("page", model.get("page") + 1));
    next.disabled = model.get("page") >= pages - 1;
    const shows = html("span", "cvs-shows");
    shows.append(
      toggle("boxes", model.get("show_boxes"), (v) => set("show_boxes", v)),
      toggle("labels", model.get("show_labels"), (v) => set("show_labels", v)),
      toggle("augmented", model.get("augment"), (v) => set("augment", v))
    );
    bar.replaceChildren(
      title,
      select("split", [["", "all splits"], ...model.get("splits").map((s) => [s, s])], model.get("split"), (v) => set("split", v)),
      select("class", [[-1, "all classes"], ...classes.map((c, i) => [i, c])], model.get("class_id"), (v) => set("class_id", Number(v))),
      select("defect", [["", "any defects"], ...model.get("issue_kinds").map((k) => [k, k])], model.get("issue"), (v) => set("issue", v)),
      prev,
      where,
      next,
      shows
    );
  }
  function drawError() {
    const message = model.get("step_errors").length ? "" : model.get("error");
    error.textContent = message;
    error.hidden = !message;
  }
  function drawEditor() {
    const focused = el.contains(document.activeElement) ? document.activeElement.dataset.key : void 0;
    editor.hidden = !model.get("augment");
    if (editor.hidden) {
      editor.replaceChildren();
      return;
    }
    const catalogue = Object.fromEntries(model.get("catalogue").map((t) => [t.name, t]));
    const pipeline = model.get("pipeline");
    const errors = model.get("step_errors");
    const head = html("div", "cvs-aug-head");
    const apply = html("span", "cvs-aug-apply", "apply to ");
    for (const [value, text] of [["image", "selected image"], ["page", "whole page"]]) {
      const label = html("label", "cvs-radio");
      const radio = html("input");
      radio.type = "radio";
      radio.name = radios;
      radio.value = value;
      radio.checked = model.get("apply_to") === value;
      radio.onchange = () => set("apply_to", value);
      label.append(radio, ` ${text}`);
      apply.append(label);
    }
    seedField = numberField(model.get("seed"), true);
    seedField.className = "cvs-aug-seed";
    seedField.min = "0";
    seedField.dataset.key = "seed";
    seedField.setAttribute("aria-label", "seed");
    seedField.onchange = () => {
      const n = Number(seedField.value);
      if (Number.isInteger(n) && n >= 0 && n < 2 ** 32) set("seed", n);
    };
    const reroll = button("\u21BB re-roll", "draw a new seed", () => set("seed", Math.floor(Math.random() * 1e5)));
    reroll.className = "cvs-aug-reroll";
    const seed = html("label", "cvs-aug-seed-label", "seed ");
    seed.append(seedField);
    busy = html("span", "cvs-aug-busy");
    head.append(apply, seed, reroll, busy);
    drawBusy();
    const list = html("ol", "cvs-aug-steps");
    pipeline.forEach((step, i) => {
      const spec = catalogue[step.type];
      const li = html("li", "cvs-aug-step");
      li.dataset.step = String(i);
      li.dataset.type = step.type;
      const name = html("b", "cvs-aug-name", step.type);
      if (spec) name.title = spec.description;
      const move = (to) => {
        const steps = [...pipeline];
        [steps[i], steps[to]] = [steps[to], steps[i]];
        local.clear();
        set("pipeline", steps);
      };
      const up = button("\u2191", `move ${step.type} up`, () => move(i - 1));
      up.disabled = i === 0;
      const down = button("\u2193", `move ${step.type} down`, () => move(i + 1));
      down.disabled = i === pipeline.length - 1;
      const remove = button("\u2715", `remove ${step.type}`, () => {
        local.clear();
        set("pipeline", pipeline.filter((_, j) => j !== i));
      });
      const tools = html("span", "cvs-aug-tools");
      tools.append(up, down, remove);
      const stepHead = html("div", "cvs-aug-step-head");
      stepHead.append(html("span", "cvs-aug-n", `${i + 1}`), name, tools);
      li.append(stepHead);
      const refused = errors.find((e) => e.step === i);
      const params = html("div", "cvs-aug-params");
      const known = spec ? spec.params.filter((p) => !HIDDEN.test(p.name) || p.name in step) : [];
      const unknown = Object.keys(step).filter((k) => k !== "type" && !known.some((p) => p.name === k));
      for (const param of [...known, ...unknown.map((k) => ({ name: k, type: "?", default: null, input: { kind: "json" } }))]) {
        const isSet = param.name in step;
        const value = isSet ? step[param.name] : param.default;
        const field = html("label", "cvs-aug-param");
        field.dataset.param = param.name;
        field.title = describe(param);
        if (isSet) field.classList.add("cvs-aug-set");
        if (refused && refused.param === param.name) field.classList.add("cvs-aug-invalid");
        const commit = (v) => {
          if (v instanceof Error) {
            local.set(i, v.message);
            drawEditor();
            return;
          }
          local.delete(i);
          const next = { ...step };
          if (!param.required && same(v, param.default)) delete next[param.name];
          else next[param.name] = v;
          set("pipeline", pipeline.map((s, j) => j === i ? next : s));
        };
        field.append(html("span", "cvs-aug-pname", param.name), ...paramInput(param, value, `${i}:${param.name}`, commit));
        params.append(field);
      }
      li.append(params);
      const message = local.get(i) || refused && refused.message;
      if (message) li.append(html("div", "cvs-aug-error", message));
      list.append(li);
    });
    const add = html("div", "cvs-aug-add");
    const names = Object.values(catalogue);
    const picker = html("select", "cvs-aug-picker");
    picker.setAttribute("aria-label", "add a transform");
    picker.append(new Option(names.length ? "+ add a transform\u2026" : "loading the transforms\u2026", ""));
    for (const [label, moves] of [["moves boxes with the image", true], ["pixels only", false]]) {
      const group = html("optgroup");
      group.label = label;
      for (const t of names.filter((x) => x.supports_bboxes === moves)) {
        const o = new Option(t.name, t.name);
        o.title = t.description;
        group.append(o);
      }
      if (group.children.length) picker.append(group);
    }
    picker.onchange = () => {
      const t = catalogue[picker.value];
      if (!t) return;
      const item = model.get("full_item").id !== void 0 ? model.get("full_item") : model.get("items")[0] || {};
      const step = { type: t.name };
      for (const p of t.params) if (p.required) step[p.name] = guess(p.name, item);
      set("pipeline", [...pipeline, step]);
    };
    add.append(picker);
    const copy = html("code", "cvs-aug-json-view", JSON.stringify(pipeline));
    copy.title = "the pipeline as JSON (studio.train(augmentation=...) takes it)";
    editor.replaceChildren(head, list, add, copy);
    if (focused) editor.querySelector(`[data-key="${focused}"]`)?.focus();
  }
  function drawSeed() {
    if (seedField && document.activeElement !== seedField) seedField.value = String(model.get("seed"));
  }
  function drawBusy() {
    el.dataset.busy = model.get("busy") ? "1" : "0";
    if (busy) busy.textContent = model.get("busy") ? "augmenting\u2026" : "";
  }
  function caption(item, augmented) {
    const classes = model.get("classes");
    const cap = html("div", "cvs-caption");
    const named = model.get("show_labels") && item.label !== null && item.label !== void 0;
    cap.textContent = (named ? `${classes[item.label]} \xB7 ` : "") + item.file.split("/").pop();
    if (item.issues.length) cap.append(html("span", "cvs-issue", ` \u26A0 ${item.issues.join(", ")}`));
    if (augmented) cap.prepend(html("span", "cvs-aug-mark", "aug"));
    return cap;
  }
  function drawGrid() {
    const classes = model.get("classes");
    const thumbs = model.get("thumbs");
    const augmented = pageMode() ? model.get("augmented_thumbs") : [];
    const augmentedBoxes = model.get("augmented_thumb_boxes");
    grid.dataset.augmented = String(augmented.filter((b) => b && b.byteLength).length);
    const cells = model.get("items").map((item, i) => {
      const cell = html("div", "cvs-cell");
      cell.dataset.imageId = item.id;
      cell.title = item.file;
      cell.classList.toggle("cvs-selected", item.id === model.get("selected"));
      const canvas = html("canvas");
      const aug = augmented[i] && augmented[i].byteLength ? [augmented[i], augmentedBoxes[i]] : null;
      cell.dataset.augmented = aug ? "1" : "0";
      cell.append(canvas, caption(item, aug));
      cell.onclick = () => set("selected", item.id === model.get("selected") ? -1 : item.id);
      return [cell, canvas, item, aug, thumbs[i]];
    });
    grid.replaceChildren(...cells.map(([cell]) => cell));
    for (const [, canvas, item, aug, thumb] of cells) {
      if (aug) drawImage(canvas, aug[0], {}, boxesIf(aug[1]), classes, "image/png", drawOptions(canvas));
      else if (thumb) drawImage(canvas, thumb, item, boxesIf(item.boxes), classes, "image/jpeg", drawOptions(canvas));
    }
  }
  function drawFull() {
    const classes = model.get("classes");
    const image = model.get("full");
    full.replaceChildren();
    if (!image || !image.byteLength) return;
    const item = model.get("full_item");
    const left = html("div");
    const original = html("canvas", "cvs-full-image");
    const info = html("div", "cvs-full-info", `${item.file || ""} ${item.width}\xD7${item.height}, ${item.boxes ? item.boxes.length : 0} boxes`);
    left.append(original, info);
    full.append(left);
    const augmented = model.get("augmented");
    let copy = null;
    if (model.get("augment") && augmented && augmented.byteLength) {
      const right = html("div");
      copy = html("canvas", "cvs-augmented");
      const steps = model.get("pipeline").map((s) => s.type).join(" \u2192 ") || "no steps";
      right.append(copy, html("div", "cvs-full-info", `augmented, seed ${model.get("seed") + item.id}: ${steps}`));
      full.append(right);
    }
    drawImage(original, image, item, boxesIf(item.boxes), classes, "image/*", drawOptions(original));
    if (copy) drawImage(copy, augmented, {}, boxesIf(model.get("augmented_boxes")), classes, "image/png", drawOptions(copy));
  }
  const parts = {
    bar: [drawBar, ["title", "splits", "issue_kinds", "classes", "page", "page_size", "total", "split", "class_id", "issue", "show_boxes", "show_labels", "augment"]],
    editor: [drawEditor, ["augment", "catalogue", "pipeline", "step_errors", "apply_to"]],
    seed: [drawSeed, ["seed"]],
    busy: [drawBusy, ["busy"]],
    error: [drawError, ["error", "step_errors"]],
    grid: [drawGrid, ["items", "thumbs", "augmented_thumbs", "augment", "apply_to", "selected", "show_boxes", "show_labels"]],
    full: [drawFull, ["full", "full_item", "augmented", "augmented_boxes", "augment", "show_boxes", "show_labels"]]
  };
  for (const [draw, names] of Object.values(parts)) {
    draw();
    let queued = false;
    const later = () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        draw();
      });
    };
    for (const name of names) model.on(`change:${name}`, later);
  }
  el.addEventListener("keydown", (ev) => {
    if (ev.target.matches("input, select")) ev.stopPropagation();
  });
}
var preview_default = { render };
export {
  preview_default as default
};
