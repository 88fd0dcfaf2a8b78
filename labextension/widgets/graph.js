// GraphEditor: a palette, the graph laid out in layers (src/draw/layout.ts) in a viewport
// you zoom, pan and fit, nodes you drag, ports you drag or click to connect, edges you
// select to delete or to insert a layer on, params you edit, and on every node its shape,
// errors and warnings. Connections and insertions go to the kernel, which asks the
// server whether the shapes fit and refuses them with its reason when they do not.
import { edgePath, layeredLayout, pathMiddle } from "../src/draw/layout";

// the layout, exported for its browser check and its bench (anywidget uses the default)
export { layeredLayout };

const SVG = "http://www.w3.org/2000/svg";
const ZOOM_MIN = 0.01;
const ZOOM_MAX = 3;
const FALLBACK = [150, 44]; // a node's size before the widget is on the page

function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function html(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function parseValue(text) {
  const t = text.trim();
  if (t === "") return undefined;
  try { return JSON.parse(t); } catch { return t; }
}

function freeId(graph, type) {
  const base = type.toLowerCase();
  let i = 1;
  while (graph.nodes.some((n) => n.id === `${base}${i}`)) i++;
  return `${base}${i}`;
}

const isPoint = (p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite);
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

function arrowMarker(id, className) {
  const m = svg("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 4.5, markerHeight: 4.5, orient: "auto" });
  m.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: className }));
  return m;
}

function render({ model, el }) {
  el.classList.add("cvs", "cvs-graph");
  el.tabIndex = 0;
  // marker ids are per document, and each widget may load this module anew: a random one
  const uid = `cvs-graph-${Math.random().toString(36).slice(2, 10)}`;
  let picked = null;      // {node} or {edge, source, target}
  let wanted = null;      // the id of a node asked of the kernel, picked once it is there
  let reveal = null;      // a node just added, kept in view (it grows with its shapes and errors) until the next gesture
  let connecting = null;  // node id whose port was clicked
  let view = { k: 1, tx: 0, ty: 0 };
  let userView = false;   // zoomed or panned by hand: changes no longer refit
  let measured = false;   // node sizes read from the page (not the fallback)
  let autoHeight = "";    // the viewport height we set; another one was dragged by hand
  let gesture = null;
  // the drawing: every node's element, size and top-left corner, every edge's route
  let nodeEls = {}, sizes = {}, pos = {}, routes = [], edgeEls = [], slots = {}, touching = {};
  const moved = new Set(); // nodes drawn where the user put them: their edges go straight

  const byType = () => Object.fromEntries(model.get("catalogue").map((c) => [c.type, c]));
  const commit = (graph, positions) => {
    model.set("graph", graph);
    if (positions) model.set("positions", positions);
    model.set("message", "");
    model.save_changes();
  };

  // ---- the frame, built once
  const bar = html("div", "cvs-bar");
  const status = html("span", "cvs-valid");
  const message = html("span", "cvs-error cvs-message");
  const hint = html("span", "cvs-hint");
  const tools = html("span", "cvs-tools");
  const tool = (label, title, action, className) => {
    const b = html("button", className, label);
    b.title = title;
    b.onclick = action;
    tools.append(b);
    return b;
  };
  tool("−", "zoom out (-)", () => zoomBy(1 / 1.25), "cvs-zoom-out");
  const zoomLabel = tool("100%", "zoom to 100%", () => zoomBy(1 / view.k), "cvs-zoom-label");
  tool("+", "zoom in (+)", () => zoomBy(1.25), "cvs-zoom-in");
  tool("Fit", "fit the graph in view (0)", () => { userView = false; fit(); }, "cvs-fit");
  tool("Layout", "lay out every node again, dragged ones too", () => {
    moved.clear();
    userView = false;
    model.set("positions", {});
    model.save_changes();
    redraw();
  }, "cvs-layout");
  bar.append(status, message, hint, tools);

  const editor = html("div", "cvs-editor");
  const palette = html("div", "cvs-palette");
  const paletteHead = html("div", "cvs-palette-head");
  const filter = html("input", "cvs-filter");
  filter.placeholder = "filter layers";
  filter.setAttribute("aria-label", "filter layers");
  const list = html("div", "cvs-palette-list");
  palette.append(paletteHead, filter, list);

  const viewport = html("div", "cvs-viewport");
  const world = html("div", "cvs-world");
  const edges = svg("svg", { class: "cvs-edges" });
  const defs = svg("defs");
  defs.append(
    arrowMarker(`${uid}-arrow`, "cvs-arrow"),
    arrowMarker(`${uid}-arrow-picked`, "cvs-arrow cvs-arrow-picked"),
    arrowMarker(`${uid}-arrow-bad`, "cvs-arrow cvs-arrow-bad"),
  );
  const edgeLayer = svg("g");
  const rubber = svg("path", { class: "cvs-rubber", "marker-end": `url(#${uid}-arrow-picked)` });
  edges.append(defs, edgeLayer, rubber);
  world.append(edges);
  viewport.append(world);
  const params = html("div", "cvs-params");
  editor.append(palette, viewport, params);
  el.append(bar, editor);

  // ---- the view: one transform on the layer that holds nodes and edges
  function apply() {
    const { k, tx, ty } = view;
    world.style.transform = `translate(${tx}px, ${ty}px) scale(${k})`;
    // lines and arrowheads keep their size on screen down to about a third, node outlines
    // always: far out, nodes are solid blocks (coloured by their problems) without text
    world.style.setProperty("--cvs-ink", String(1 / clamp(k, 0.35, 1)));
    world.style.setProperty("--cvs-outline", String(1 / Math.min(k, 1)));
    viewport.classList.toggle("cvs-far", k < 0.25);
    let grid = 24 * k;
    while (grid < 12) grid *= 4; // a dot every 24 px, or every 96, 384... when far
    viewport.style.backgroundSize = `${grid}px ${grid}px`;
    viewport.style.backgroundPosition = `${tx}px ${ty}px`;
    viewport.dataset.zoom = k.toFixed(4);
    zoomLabel.textContent = `${Math.round(k * 100)}%`;
  }

  function zoomAt(factor, px, py) {
    const k = clamp(view.k * factor, ZOOM_MIN, ZOOM_MAX);
    view = { k, tx: px - ((px - view.tx) * k) / view.k, ty: py - ((py - view.ty) * k) / view.k };
    userView = true;
    apply();
  }

  function zoomBy(factor) {
    zoomAt(factor, viewport.clientWidth / 2, viewport.clientHeight / 2);
  }

  function bounds() {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const id of Object.keys(pos)) {
      const [x, y] = pos[id];
      const [w, h] = sizes[id];
      x0 = Math.min(x0, x); y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + w); y1 = Math.max(y1, y + h);
    }
    return Number.isFinite(x0) ? { x0, y0, x1, y1 } : null;
  }

  function fit() {
    const w = viewport.clientWidth, h = viewport.clientHeight, b = bounds();
    if (!w || !h || !b) return;
    const m = 16;
    const k = clamp(Math.min(1, (w - 2 * m) / (b.x1 - b.x0), (h - 2 * m) / (b.y1 - b.y0)), ZOOM_MIN, ZOOM_MAX);
    view = { k, tx: (w - (b.x1 - b.x0) * k) / 2 - b.x0 * k, ty: (h - (b.y1 - b.y0) * k) / 2 - b.y0 * k };
    apply();
  }

  // ---- the graph
  function edgePoints(graph, i) {
    const e = graph.edges[i];
    const a = pos[e.source], b = pos[e.target];
    if (!a || !b) return null;
    const [aw, ah] = sizes[e.source];
    const [bw] = sizes[e.target];
    const [j, k] = slots[i];
    const start = [a[0] + aw / 2, a[1] + ah];
    const end = [b[0] + (bw * (j + 1)) / (k + 1), b[1]];
    const route = moved.has(e.source) || moved.has(e.target) ? [] : routes[i] || [];
    return [start, ...route, end];
  }

  function placeEdge(graph, i) {
    const g = edgeEls[i];
    const points = g && edgePoints(graph, i);
    if (!points) return;
    const d = edgePath(points);
    for (const p of g.querySelectorAll(".cvs-hit, .cvs-line")) p.setAttribute("d", d);
    const [mx, my] = pathMiddle(points);
    g.querySelector(".cvs-plus").setAttribute("transform", `translate(${mx.toFixed(1)},${my.toFixed(1)})`);
  }

  function placeNode(id) {
    const [x, y] = pos[id];
    nodeEls[id].style.transform = `translate(${x}px, ${y}px)`;
  }

  function drawNode(node, shapes, errors, warnings) {
    const div = html("div", "cvs-node");
    div.dataset.id = node.id;
    const head = html("div", "cvs-node-head");
    head.append(html("b", "", node.id), html("span", "cvs-type", node.type));
    const shape = html("div", "cvs-shape", shapes[node.id] ? `→ [${shapes[node.id].join(", ")}]` : "→ ?");
    div.append(head, shape);
    const nodeErrors = errors.filter((e) => e.node === node.id);
    const nodeWarnings = warnings.filter((w) => w.node === node.id);
    for (const e of nodeErrors) div.append(html("div", "cvs-node-error", e.message));
    for (const w of nodeWarnings) div.append(html("div", "cvs-node-warning", `⚠ ${w.message}`));
    div.classList.toggle("cvs-bad", nodeErrors.length > 0);
    div.classList.toggle("cvs-warn", nodeWarnings.length > 0 && !nodeErrors.length);
    if (node.type !== "Output") {
      const port = html("span", "cvs-port");
      port.title = "drag to a node, or click and then click a node, to connect";
      div.append(port);
    }
    return div;
  }

  function drawGraph() {
    const graph = model.get("graph");
    const shapes = model.get("shapes");
    const errors = model.get("errors");
    const warnings = model.get("warnings") || [];
    if (wanted && graph.nodes.some((n) => n.id === wanted)) [picked, reveal, wanted] = [{ node: wanted }, wanted, null];
    if (picked?.node && !graph.nodes.some((n) => n.id === picked.node)) picked = null;
    if (picked && "edge" in picked) {
      const e = graph.edges[picked.edge];
      if (!e || e.source !== picked.source || e.target !== picked.target) picked = null;
    }
    for (const n of Object.values(nodeEls)) n.remove();
    edgeLayer.replaceChildren();
    nodeEls = {};
    for (const node of graph.nodes) {
      nodeEls[node.id] = drawNode(node, shapes, errors, warnings);
      world.append(nodeEls[node.id]);
    }
    // sizes as drawn (one reflow for all), then the layers
    measured = viewport.isConnected && viewport.clientWidth > 0;
    sizes = {};
    for (const node of graph.nodes) {
      const d = nodeEls[node.id];
      sizes[node.id] = measured ? [d.offsetWidth, d.offsetHeight] : FALLBACK;
    }
    const laid = layeredLayout(
      graph.nodes.map((n) => ({ id: n.id, width: sizes[n.id][0], height: sizes[n.id][1] })),
      graph.edges,
      { layerGap: 28 }, // tight layers: a plain CNN's chain still fits near full size
    );
    const stored = model.get("positions") || {};
    moved.clear();
    pos = {};
    for (const node of graph.nodes) {
      if (isPoint(stored[node.id])) moved.add(node.id);
      pos[node.id] = moved.has(node.id) ? stored[node.id] : laid.positions[node.id];
      placeNode(node.id);
    }
    routes = laid.routes;
    // where each edge enters its target
    slots = {};
    touching = {};
    const into = {};
    graph.edges.forEach((e, i) => {
      (into[e.target] = into[e.target] || []).push(i);
      for (const id of [e.source, e.target]) (touching[id] = touching[id] || []).push(i);
    });
    // merges take their inputs side by side, in the order they come from (not by port:
    // that would cross them)
    const from = (i) => {
      const e = graph.edges[i];
      const route = moved.has(e.source) || moved.has(e.target) ? [] : routes[i] || [];
      if (route.length) return route[route.length - 1][0];
      return pos[e.source] ? pos[e.source][0] + sizes[e.source][0] / 2 : 0;
    };
    for (const ins of Object.values(into)) {
      ins.sort((a, b) => from(a) - from(b) || a - b);
      ins.forEach((i, j) => (slots[i] = [j, ins.length]));
    }
    const badEdges = new Set(errors.filter((e) => Number.isInteger(e.edge)).map((e) => e.edge));
    edgeEls = graph.edges.map((e, i) => {
      const g = svg("g", { class: "cvs-edge", "data-edge": i, "data-source": e.source, "data-target": e.target });
      g.classList.toggle("cvs-bad", badEdges.has(i));
      const plus = svg("g", { class: "cvs-plus" });
      const title = svg("title");
      title.textContent = "insert a layer here";
      plus.append(title, svg("circle", { r: 9 }), svg("path", { d: "M-4.5,0H4.5M0,-4.5V4.5" }));
      g.append(svg("path", { class: "cvs-hit" }), svg("path", { class: "cvs-line" }), plus);
      edgeLayer.append(g);
      return g;
    });
    graph.edges.forEach((_, i) => placeEdge(graph, i));
    const b = bounds();
    if (b && (!viewport.style.height || viewport.style.height === autoHeight)) {
      autoHeight = `${clamp(Math.round(b.y1 - b.y0 + 40), 260, 720)}px`;
      viewport.style.height = autoHeight;
    }
    palette.style.height = viewport.style.height;
    if (!userView) fit();
    else if (reveal && pos[reveal]) show(reveal);
  }

  /** Pan the least that brings a node into view (a new one, where the user has moved the view). */
  function show(id) {
    const m = 12;
    const [x, y] = pos[id], [w, h] = sizes[id];
    const { k } = view;
    const left = view.tx + x * k, top = view.ty + y * k;
    const dx = Math.max(0, m - left) - Math.max(0, left + w * k + m - viewport.clientWidth);
    const dy = Math.max(0, m - top) - Math.max(0, top + h * k + m - viewport.clientHeight);
    if (!dx && !dy) return;
    view = { k, tx: view.tx + dx, ty: view.ty + dy };
    apply();
  }

  // ---- the bar, the palette and the side panel
  function drawBar() {
    const errors = model.get("errors");
    const warnings = model.get("warnings") || [];
    // a graph that builds but has dead ends is valid *with* warnings, never a bare "✓ valid"
    const warned = warnings.length ? `, ${warnings.length} warning${warnings.length > 1 ? "s" : ""}` : "";
    status.textContent = model.get("valid") ? `✓ valid${warned}` : `✗ ${errors.length} problem(s)${warned}`;
    status.classList.toggle("cvs-warned", warnings.length > 0);
    status.classList.toggle("cvs-invalid", !model.get("valid"));
    message.textContent = model.get("message");
    message.hidden = !model.get("message");
    hint.textContent = connecting ? `connecting from ${connecting}: click the target node (Esc to cancel)` : "";
    hint.hidden = !connecting;
  }

  function drawPalette() {
    list.replaceChildren();
    let category = null;
    for (const spec of model.get("catalogue")) {
      if (spec.type === "Input") continue;
      if (spec.category !== category) {
        category = spec.category;
        const h = html("b", "", category);
        h.dataset.category = category;
        list.append(h);
      }
      const item = html("div", "cvs-item", spec.type);
      item.title = spec.description || "";
      item.dataset.type = spec.type;
      item.dataset.category = category;
      item.onclick = () => pick(spec.type);
      list.append(item);
    }
    applyFilter();
  }

  function applyFilter() {
    const q = filter.value.trim().toLowerCase();
    const shown = new Set();
    for (const item of list.querySelectorAll(".cvs-item")) {
      const hit = !q || item.dataset.type.toLowerCase().includes(q) || item.dataset.category.toLowerCase().includes(q);
      item.hidden = !hit;
      if (hit) shown.add(item.dataset.category);
    }
    for (const h of list.querySelectorAll("b")) h.hidden = !shown.has(h.dataset.category);
  }

  function drawPaletteHead() {
    const edge = picked && "edge" in picked;
    paletteHead.textContent = edge ? `insert on ${picked.source} → ${picked.target}` : "add a layer";
    palette.classList.toggle("cvs-inserting", !!edge);
  }

  function drawParams() {
    const graph = model.get("graph");
    const shapes = model.get("shapes");
    params.replaceChildren();
    if (picked && "edge" in picked) {
      const e = graph.edges[picked.edge];
      params.append(html("b", "", `${e.source} → ${e.target}`));
      const s = shapes[e.source];
      params.append(html("div", "cvs-shape", s ? `carries [${s.join(", ")}]` : "carries ?"));
      params.append(html("p", "cvs-help", "Pick a layer in the palette to insert it on this edge. Delete removes the edge."));
      const del = html("button", "cvs-delete", "Delete edge");
      del.onclick = () => deleteEdge(picked.edge);
      params.append(del);
      return;
    }
    const node = picked && graph.nodes.find((n) => n.id === picked.node);
    if (!node) {
      params.append(html("p", "cvs-help",
        "Click a layer in the palette to add it; click a node to edit it; drag a node's port " +
        "to another node to connect them; click an edge (or its +) and a layer to insert it there. " +
        "Delete removes what is selected. Wheel to zoom, drag the background to pan."));
      return;
    }
    const spec = byType()[node.type] || { params: [] };
    params.append(html("b", "", `${node.id} (${node.type})`));
    for (const p of spec.params || []) {
      const label = html("label", "", `${p.name}${p.required ? " *" : ""} (${p.type})`);
      label.title = p.description || "";
      const input = html("input");
      input.name = p.name;
      const value = node.params[p.name];
      input.value = value === undefined ? "" : JSON.stringify(value);
      input.placeholder = p.default === null || p.default === undefined ? "" : JSON.stringify(p.default);
      input.onchange = () => setParam(node.id, p.name, parseValue(input.value));
      input.onkeydown = (ev) => {
        ev.stopPropagation(); // typing a param must not trigger notebook shortcuts
        if (ev.key === "Enter") input.blur();
      };
      label.append(input);
      params.append(label);
    }
    graph.edges.forEach((e, i) => {
      if (e.target !== node.id && e.source !== node.id) return;
      const b = html("button", "cvs-edge-button", `✕ ${e.source} → ${e.target}`);
      b.onclick = () => deleteEdge(i);
      params.append(b);
    });
    if (node.type !== "Input") {
      const del = html("button", "cvs-delete", "Delete node");
      del.onclick = () => deleteNode(node.id);
      params.append(del);
    }
  }

  function drawAll() {
    drawGraph();
    drawSelection();
  }

  // a batch of changes from the kernel (graph, shapes, errors...) redraws once
  let queued = false;
  function redraw() {
    if (queued) return;
    queued = true;
    queueMicrotask(() => { queued = false; drawAll(); });
  }

  // ---- edits
  function pick(type) {
    const graph = model.get("graph");
    const id = freeId(graph, type);
    if (picked && "edge" in picked) {
      model.send({ type: "insert", edge: picked.edge, source: picked.source, target: picked.target, layer: type, id });
      wanted = id; // picked when the kernel's graph has it; a refusal leaves the edge picked
      return;
    }
    const next = structuredClone(graph);
    const node = { id, type, params: {} };
    for (const p of byType()[type].params || []) if (p.required && p.default !== null && p.default !== undefined) node.params[p.name] = p.default;
    next.nodes.push(node);
    commit(next);
    picked = { node: id };
    reveal = id;
    redraw();
  }

  function deleteNode(id) {
    const graph = structuredClone(model.get("graph"));
    if (graph.nodes.find((n) => n.id === id)?.type === "Input") return;
    graph.nodes = graph.nodes.filter((n) => n.id !== id);
    graph.edges = graph.edges.filter((e) => e.source !== id && e.target !== id);
    const positions = { ...model.get("positions") };
    delete positions[id];
    picked = null;
    commit(graph, positions);
  }

  function deleteEdge(index) {
    const graph = structuredClone(model.get("graph"));
    graph.edges.splice(index, 1);
    picked = null;
    commit(graph);
  }

  function setParam(id, name, value) {
    const graph = structuredClone(model.get("graph"));
    const node = graph.nodes.find((n) => n.id === id);
    if (value === undefined) delete node.params[name]; else node.params[name] = value;
    commit(graph);
  }

  function connect(source, target) {
    connecting = null;
    if (source !== target) model.send({ type: "connect", source, target });
    drawSelection();
  }

  /** A new selection (or connection source) restyles what is drawn: no new layout. */
  function select(what) {
    picked = what;
    drawSelection();
  }

  function drawSelection() {
    for (const [id, div] of Object.entries(nodeEls)) {
      div.classList.toggle("cvs-picked", picked?.node === id);
      div.classList.toggle("cvs-source", connecting === id);
    }
    edgeEls.forEach((g, i) => {
      const chosen = !!picked && "edge" in picked && picked.edge === i;
      g.classList.toggle("cvs-picked", chosen);
      const marker = chosen ? "-picked" : g.classList.contains("cvs-bad") ? "-bad" : "";
      g.querySelector(".cvs-line").setAttribute("marker-end", `url(#${uid}-arrow${marker})`);
    });
    drawBar();
    drawPaletteHead();
    drawParams();
  }

  // ---- pointer: drag a node, drag a port to a node, click an edge, pan the background
  function worldPoint(ev) {
    const r = viewport.getBoundingClientRect();
    return [(ev.clientX - r.left - view.tx) / view.k, (ev.clientY - r.top - view.ty) / view.k];
  }

  viewport.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    el.focus({ preventScroll: true });
    reveal = null;
    const port = ev.target.closest(".cvs-port");
    const node = ev.target.closest(".cvs-node");
    const edge = ev.target.closest(".cvs-edge");
    const base = { x: ev.clientX, y: ev.clientY, moved: false };
    if (port && node) gesture = { ...base, kind: "wire", id: node.dataset.id };
    else if (node) gesture = { ...base, kind: "node", id: node.dataset.id, from: pos[node.dataset.id] };
    else if (edge) gesture = { ...base, kind: "edge", index: Number(edge.dataset.edge) };
    else gesture = { ...base, kind: "pan", from: { ...view } };
    ev.preventDefault();
    viewport.setPointerCapture(ev.pointerId);
  });

  viewport.addEventListener("pointermove", (ev) => {
    if (!gesture) return;
    const dx = ev.clientX - gesture.x, dy = ev.clientY - gesture.y;
    if (!gesture.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    gesture.moved = true;
    const graph = model.get("graph");
    if (gesture.kind === "node") {
      const id = gesture.id;
      pos[id] = [gesture.from[0] + dx / view.k, gesture.from[1] + dy / view.k];
      moved.add(id);
      nodeEls[id].classList.add("cvs-dragging");
      placeNode(id);
      for (const i of touching[id] || []) placeEdge(graph, i);
    } else if (gesture.kind === "pan") {
      view = { ...view, tx: gesture.from.tx + dx, ty: gesture.from.ty + dy };
      userView = true;
      apply();
    } else if (gesture.kind === "wire") {
      const [x, y] = pos[gesture.id], [w, h] = sizes[gesture.id];
      rubber.setAttribute("d", edgePath([[x + w / 2, y + h], worldPoint(ev)]));
      rubber.style.display = "inline";
    }
  });

  viewport.addEventListener("pointerup", (ev) => {
    const g = gesture;
    gesture = null;
    if (!g) return;
    rubber.style.display = "none";
    if (g.kind === "node" && g.moved) {
      userView = true; // arranged by hand: the view stays where the node was put
      const [x, y] = pos[g.id];
      model.set("positions", { ...model.get("positions"), [g.id]: [Math.round(x), Math.round(y)] });
      model.save_changes();
    } else if (g.kind === "node") {
      if (connecting) connect(connecting, g.id);
      else select({ node: g.id });
    } else if (g.kind === "wire") {
      const target = g.moved && document.elementFromPoint(ev.clientX, ev.clientY)?.closest(".cvs-graph .cvs-node");
      if (target && nodeEls[target.dataset.id] === target) connect(g.id, target.dataset.id);
      else if (!g.moved) { connecting = g.id; drawSelection(); }
    } else if (g.kind === "edge" && !g.moved) {
      const e = model.get("graph").edges[g.index];
      select({ edge: g.index, source: e.source, target: e.target });
    } else if (g.kind === "pan" && !g.moved && (picked || connecting)) {
      connecting = null;
      select(null);
    }
  });

  viewport.addEventListener("pointercancel", () => { gesture = null; rubber.style.display = "none"; });

  viewport.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    ev.stopPropagation();
    reveal = null;
    const r = viewport.getBoundingClientRect();
    const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? r.height : 1;
    zoomAt(Math.exp(-ev.deltaY * unit * 0.002), ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });

  // ---- keys: while the widget has the focus, single keys are the editor's, not the notebook's
  el.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, textarea, select, [contenteditable]")) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || (ev.shiftKey && ev.key === "Enter")) return;
    if (ev.target.closest("button") && (ev.key === "Enter" || ev.key === " ")) {
      ev.stopPropagation(); // the button's own click, not the notebook's edit mode
      return;
    }
    if (ev.key === "Delete" || ev.key === "Backspace") {
      if (picked && "edge" in picked) deleteEdge(picked.edge);
      else if (picked?.node) deleteNode(picked.node);
    } else if (ev.key === "Escape") {
      connecting = null;
      select(null);
    } else if (ev.key === "+" || ev.key === "=") zoomBy(1.25);
    else if (ev.key === "-") zoomBy(1 / 1.25);
    else if (ev.key === "0") { userView = false; fit(); }
    ev.preventDefault();
    ev.stopPropagation();
  });

  filter.addEventListener("input", applyFilter);
  filter.addEventListener("keydown", (ev) => {
    ev.stopPropagation();
    if (ev.key === "Enter") list.querySelector(".cvs-item:not([hidden])")?.click();
    if (ev.key === "Escape") { filter.value = ""; applyFilter(); }
  });

  // the first size the widget gets on the page: measure the nodes again; later sizes refit
  const resize = new ResizeObserver(() => {
    if (!viewport.clientWidth) return;
    palette.style.height = viewport.style.height; // it may have been dragged taller
    if (!measured) drawAll();
    else if (!userView) fit();
  });
  resize.observe(viewport);

  rubber.style.display = "none";
  drawPalette();
  drawAll();
  for (const n of ["graph", "shapes", "errors", "warnings", "valid", "message", "positions"]) model.on(`change:${n}`, redraw);
  model.on("change:catalogue", drawPalette);
  return () => resize.disconnect();
}

export default { render };
