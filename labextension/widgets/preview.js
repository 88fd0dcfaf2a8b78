// DatasetPreview: the grid with boxes and labels (each toggled here, without the kernel),
// filters, the full image, and an augmentation pipeline editor: steps picked from the
// server's catalogue, params edited by type, a seed to re-roll, run by the kernel on the
// selected image or on every thumbnail of the page.
import { drawImage } from "../src/draw/boxes";

// cv2's codes, as albumentations takes them
const INTERPOLATION = ["nearest", "linear", "cubic", "area", "lanczos4", "linear exact", "nearest exact"];
const BORDER = ["constant", "replicate", "reflect", "wrap", "reflect 101"];
// params that only act on masks or keypoints: nothing to see in a preview
const HIDDEN = /mask|keypoint/;
let views = 0; // radio groups are per document: each view names its own

function html(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
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

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** How a choice reads: cv2 codes by name, null as "none". */
function choiceText(param, value) {
  if (value === null) return "none";
  if (/interpolation/.test(param) && INTERPOLATION[value]) return `${value} · ${INTERPOLATION[value]}`;
  if (param === "border_mode" && BORDER[value]) return `${value} · ${BORDER[value]}`;
  return String(value);
}

/** What the field says about a param: its type, bounds and default. */
function describe(param) {
  const bounds = Object.entries(param.constraints || {}).map(([k, v]) => `${{ ge: "≥", gt: ">", le: "≤", lt: "<", max: "≤" }[k] || k} ${v}`);
  const parts = [param.type, ...bounds];
  parts.push(param.required ? "required" : `default ${JSON.stringify(param.default)}`);
  return `${param.name}: ${parts.join(", ")}`;
}

/** A value for a param that has no default, from the image at hand (crops and sizes). */
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
  f.value = value === null || value === undefined ? "" : String(value);
  return f;
}

const numberOf = (text) => (text.trim() === "" ? null : Number(text));

/**
 * The input of one param, by its catalogue `input`: a checkbox, a list of choices, a
 * number, a tuple of numbers, or JSON. `commit(value)` gets the parsed value, or an Error
 * for text that is not JSON.
 */
function paramInput(param, value, key, commit) {
  const spec = param.input || { kind: "json" };
  const keyed = (e, n = 0) => { e.dataset.key = `${key}:${n}`; return e; };
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
    const f = keyed(numberField(value, spec.integer));
    f.onchange = () => commit(numberOf(f.value));
    return [f];
  }
  if (spec.kind === "tuple" && (value === null || (Array.isArray(value) && value.length === spec.length))) {
    const fields = Array.from({ length: spec.length }, (_, i) => keyed(numberField(value ? value[i] : null, spec.integer), i));
    for (const f of fields) {
      f.onchange = () => {
        const values = fields.map((x) => numberOf(x.value));
        commit(spec.nullable && values.every((v) => v === null) ? null : values);
      };
    }
    return fields;
  }
  // JSON for the rest, and for a value of another shape than the field's (a number where a range is usual)
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
  const set = (name, value) => { model.set(name, value); model.save_changes(); };
  const bar = html("div", "cvs-bar");
  const editor = html("div", "cvs-aug");
  const error = html("div", "cvs-error cvs-preview-error");
  const grid = html("div", "cvs-grid");
  const full = html("div", "cvs-full");
  el.replaceChildren(bar, editor, error, grid, full);
  const local = new Map(); // step index -> a message the page found itself (JSON that does not parse)
  const radios = `cvs-apply-${++views}`;
  let seedField = null;
  let busy = null;

  const drawOptions = (canvas) => ({ labels: model.get("show_labels"), displayWidth: canvas.clientWidth || 160 });
  const boxesIf = (boxes) => (model.get("show_boxes") ? boxes : []);
  const pageMode = () => model.get("augment") && model.get("apply_to") === "page";

  function drawBar() {
    const classes = model.get("classes");
    const pages = Math.max(1, Math.ceil(model.get("total") / model.get("page_size")));
    const title = html("b", "", model.get("title"));
    const where = html("span", "cvs-page", `page ${model.get("page") + 1} of ${pages} (${model.get("total")} images)`);
    const prev = button("◀", "previous page", () => set("page", model.get("page") - 1));
    prev.disabled = model.get("page") <= 0;
    const next = button("▶", "next page", () => set("page", model.get("page") + 1));
    next.disabled = model.get("page") >= pages - 1;
    const shows = html("span", "cvs-shows");
    shows.append(
      toggle("boxes", model.get("show_boxes"), (v) => set("show_boxes", v)),
      toggle("labels", model.get("show_labels"), (v) => set("show_labels", v)),
      toggle("augmented", model.get("augment"), (v) => set("augment", v)),
    );
    bar.replaceChildren(
      title,
      select("split", [["", "all splits"], ...model.get("splits").map((s) => [s, s])], model.get("split"), (v) => set("split", v)),
      select("class", [[-1, "all classes"], ...classes.map((c, i) => [i, c])], model.get("class_id"), (v) => set("class_id", Number(v))),
      select("defect", [["", "any defects"], ...model.get("issue_kinds").map((k) => [k, k])], model.get("issue"), (v) => set("issue", v)),
      prev, where, next, shows,
    );
  }

  function drawError() {
    // a refused step's message is shown next to that step
    const message = model.get("step_errors").length ? "" : model.get("error");
    error.textContent = message;
    error.hidden = !message;
  }

  function drawEditor() {
    const focused = el.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
    editor.hidden = !model.get("augment");
    if (editor.hidden) { editor.replaceChildren(); return; }
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
    const reroll = button("↻ re-roll", "draw a new seed", () => set("seed", Math.floor(Math.random() * 100_000)));
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
      const up = button("↑", `move ${step.type} up`, () => move(i - 1));
      up.disabled = i === 0;
      const down = button("↓", `move ${step.type} down`, () => move(i + 1));
      down.disabled = i === pipeline.length - 1;
      const remove = button("✕", `remove ${step.type}`, () => { local.clear(); set("pipeline", pipeline.filter((_, j) => j !== i)); });
      const tools = html("span", "cvs-aug-tools");
      tools.append(up, down, remove);
      const stepHead = html("div", "cvs-aug-step-head");
      stepHead.append(html("span", "cvs-aug-n", `${i + 1}`), name, tools);
      li.append(stepHead);

      const refused = errors.find((e) => e.step === i);
      const params = html("div", "cvs-aug-params");
      const known = spec ? spec.params.filter((p) => !HIDDEN.test(p.name) || p.name in step) : [];
      // a param the catalogue does not know (typed from Python) still shows, as JSON
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
          set("pipeline", pipeline.map((s, j) => (j === i ? next : s)));
        };
        field.append(html("span", "cvs-aug-pname", param.name), ...paramInput(param, value, `${i}:${param.name}`, commit));
        params.append(field);
      }
      li.append(params);
      const message = local.get(i) || (refused && refused.message);
      if (message) li.append(html("div", "cvs-aug-error", message));
      list.append(li);
    });

    const add = html("div", "cvs-aug-add");
    const names = Object.values(catalogue);
    const picker = html("select", "cvs-aug-picker");
    picker.setAttribute("aria-label", "add a transform");
    picker.append(new Option(names.length ? "+ add a transform…" : "loading the transforms…", ""));
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
      const item = model.get("full_item").id !== undefined ? model.get("full_item") : model.get("items")[0] || {};
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

  // the seed and the busy mark change without rebuilding the steps (a field being typed in stays)
  function drawSeed() {
    if (seedField && document.activeElement !== seedField) seedField.value = String(model.get("seed"));
  }

  function drawBusy() {
    el.dataset.busy = model.get("busy") ? "1" : "0";
    if (busy) busy.textContent = model.get("busy") ? "augmenting…" : "";
  }

  function caption(item, augmented) {
    const classes = model.get("classes");
    const cap = html("div", "cvs-caption");
    const named = model.get("show_labels") && item.label !== null && item.label !== undefined;
    cap.textContent = (named ? `${classes[item.label]} · ` : "") + item.file.split("/").pop();
    if (item.issues.length) cap.append(html("span", "cvs-issue", ` ⚠ ${item.issues.join(", ")}`));
    if (augmented) cap.prepend(html("span", "cvs-aug-mark", "aug")); // first, so it floats on the line
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
    const info = html("div", "cvs-full-info", `${item.file || ""} ${item.width}×${item.height}, ${item.boxes ? item.boxes.length : 0} boxes`);
    left.append(original, info);
    full.append(left);
    const augmented = model.get("augmented");
    let copy = null;
    if (model.get("augment") && augmented && augmented.byteLength) {
      const right = html("div");
      copy = html("canvas", "cvs-augmented");
      const steps = model.get("pipeline").map((s) => s.type).join(" → ") || "no steps";
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
    full: [drawFull, ["full", "full_item", "augmented", "augmented_boxes", "augment", "show_boxes", "show_labels"]],
  };
  for (const [draw, names] of Object.values(parts)) {
    draw();
    // one redraw per part when a message changes several of its traits at once
    let queued = false;
    const later = () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => { queued = false; draw(); });
    };
    for (const name of names) model.on(`change:${name}`, later);
  }
  el.addEventListener("keydown", (ev) => {
    if (ev.target.matches("input, select")) ev.stopPropagation(); // typing a param is not a notebook shortcut
  });
}

export default { render };
