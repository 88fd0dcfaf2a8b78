// Built from labextension/widgets and labextension/src/draw by `jlpm build:widgets`; do not edit.

// src/draw/layout.ts
function order(n, out, indegree) {
  const left = indegree.slice();
  const done = new Uint8Array(n);
  const result = [];
  const ready = [];
  for (let v = n - 1; v >= 0; v--) if (left[v] === 0) ready.push(v);
  let next = 0;
  while (result.length < n) {
    if (!ready.length) {
      while (done[next]) next++;
      ready.push(next);
    }
    const v = ready.pop();
    if (done[v]) continue;
    done[v] = 1;
    result.push(v);
    for (let k = out[v].length - 1; k >= 0; k--) {
      const w = out[v][k];
      if (!done[w] && --left[w] === 0) ready.push(w);
    }
  }
  return result;
}
function build(nodes, edges, edgeGap) {
  const n = nodes.length;
  const index = /* @__PURE__ */ new Map();
  nodes.forEach((node, i) => index.set(node.id, i));
  const out = Array.from({ length: n }, () => []);
  const indegree = new Array(n).fill(0);
  const pairs = edges.map((e) => {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === void 0 || t === void 0 || s === t) return null;
    out[s].push(t);
    indegree[t]++;
    return [s, t];
  });
  const topo = order(n, out, indegree);
  const rank = new Array(n);
  topo.forEach((v, i) => rank[v] = i);
  const forward = pairs.map((p) => p !== null && rank[p[0]] < rank[p[1]] ? p : null);
  const outF = Array.from({ length: n }, () => []);
  const hasIn = new Uint8Array(n);
  for (const p of forward) {
    if (p === null) continue;
    outF[p[0]].push(p[1]);
    hasIn[p[1]] = 1;
  }
  const layer = new Array(n).fill(0);
  for (const v of topo) for (const w of outF[v]) if (layer[w] < layer[v] + 1) layer[w] = layer[v] + 1;
  for (let i = topo.length - 1; i >= 0; i--) {
    const v = topo[i];
    if (hasIn[v] || !outF[v].length) continue;
    let lowest = Infinity;
    for (const w of outF[v]) lowest = Math.min(lowest, layer[w]);
    layer[v] = lowest - 1;
  }
  const width = nodes.map((node) => node.width);
  const up = Array.from({ length: n }, () => []);
  const down = Array.from({ length: n }, () => []);
  const chains = edges.map(() => []);
  forward.forEach((p, e) => {
    if (p === null) return;
    let [a] = p;
    const b = p[1];
    for (let l = layer[a] + 1; l < layer[b]; l++) {
      const d = layer.length;
      layer.push(l);
      width.push(edgeGap);
      up.push([a]);
      down.push([]);
      down[a].push(d);
      chains[e].push(d);
      a = d;
    }
    down[a].push(b);
    up[b].push(a);
  });
  return { n, layer, width, up, down, chains, topo };
}
function firstOrder(g, topo, depth) {
  const rows = Array.from({ length: depth }, () => []);
  const placed = new Uint8Array(g.layer.length);
  const place2 = (v) => {
    if (placed[v]) return;
    placed[v] = 1;
    rows[g.layer[v]].push(v);
  };
  for (const v of topo) {
    place2(v);
    for (const w of g.down[v]) {
      let d = w;
      while (d >= g.n) {
        place2(d);
        d = g.down[d][0];
      }
    }
  }
  return rows;
}
function crossingsBetween(upper, lower, g, pos) {
  if (lower.length < 2) return 0;
  const ends = [];
  for (const v of upper) {
    const start = ends.length;
    for (const w of g.down[v]) ends.push(pos[w]);
    const part = ends.slice(start).sort((x, y) => x - y);
    for (let k = 0; k < part.length; k++) ends[start + k] = part[k];
  }
  const size = lower.length;
  const tree = new Int32Array(size + 1);
  let crossings2 = 0;
  let seen = 0;
  for (const p of ends) {
    let sum = 0;
    for (let i = p + 1; i > 0; i -= i & -i) sum += tree[i];
    crossings2 += seen - sum;
    for (let i = p + 1; i <= size; i += i & -i) tree[i]++;
    seen++;
  }
  return crossings2;
}
function crossings(rows, g, pos) {
  let total = 0;
  for (let l = 0; l + 1 < rows.length; l++) total += crossingsBetween(rows[l], rows[l + 1], g, pos);
  return total;
}
function sweep(rows, g, pos, downward) {
  const keys = new Float64Array(g.layer.length);
  const range = downward ? [1, rows.length, 1] : [rows.length - 2, -1, -1];
  for (let l = range[0]; l !== range[1]; l += range[2]) {
    const row = rows[l];
    for (const v of row) {
      const near = downward ? g.up[v] : g.down[v];
      if (!near.length) {
        keys[v] = pos[v];
        continue;
      }
      let sum = 0;
      for (const w of near) sum += pos[w];
      keys[v] = sum / near.length + (v < g.n ? 0 : 1e-6);
    }
    row.sort((a, b) => keys[a] - keys[b] || pos[a] - pos[b]);
    row.forEach((v, i) => pos[v] = i);
  }
}
function reduceCrossings(rows, g, sweeps) {
  const pos = new Int32Array(g.layer.length);
  for (const row of rows) row.forEach((v, i) => pos[v] = i);
  let best = rows.map((r) => r.slice());
  let fewest = crossings(rows, g, pos);
  for (let s = 0; s < sweeps && fewest > 0; s++) {
    sweep(rows, g, pos, true);
    sweep(rows, g, pos, false);
    const now = crossings(rows, g, pos);
    if (now < fewest) {
      fewest = now;
      best = rows.map((r) => r.slice());
    }
  }
  return best;
}
function isotonic(t, w) {
  const k = t.length;
  const value = new Float64Array(k);
  const weight = new Float64Array(k);
  const count = new Int32Array(k);
  let blocks = 0;
  for (let i2 = 0; i2 < k; i2++) {
    value[blocks] = t[i2];
    weight[blocks] = w[i2];
    count[blocks] = 1;
    blocks++;
    while (blocks > 1 && value[blocks - 2] > value[blocks - 1]) {
      const a = blocks - 2;
      const b = blocks - 1;
      const total = weight[a] + weight[b];
      value[a] = (value[a] * weight[a] + value[b] * weight[b]) / total;
      weight[a] = total;
      count[a] += count[b];
      blocks--;
    }
  }
  const y = new Float64Array(k);
  let i = 0;
  for (let b = 0; b < blocks; b++) for (let c = 0; c < count[b]; c++) y[i++] = value[b];
  return y;
}
function place(rows, g, nodeGap, edgeGap, passes) {
  const x = new Float64Array(g.layer.length);
  let widest = 0;
  for (let v = 0; v < g.n; v++) widest = Math.max(widest, g.width[v]);
  const half = (v) => (v < g.n ? widest : g.width[v]) / 2;
  const gap = (a, b) => half(a) + half(b) + (a < g.n && b < g.n ? nodeGap : a < g.n || b < g.n ? nodeGap / 2 : edgeGap / 2);
  for (const row of rows) {
    let at = 0;
    row.forEach((v, i) => {
      if (i > 0) at += gap(row[i - 1], v);
      x[v] = at;
    });
  }
  const settle = (row, use) => {
    const k = row.length;
    const t = new Float64Array(k);
    const w = new Float64Array(k);
    let offset = 0;
    for (let i = 0; i < k; i++) {
      const v = row[i];
      if (i > 0) offset += gap(row[i - 1], v);
      const near = use(v);
      let target = x[v];
      if (near.length) {
        target = 0;
        for (const u of near) target += x[u];
        target /= near.length;
      }
      t[i] = target - offset;
      w[i] = near.length ? 1 : 0.01;
    }
    const y = isotonic(t, w);
    offset = 0;
    for (let i = 0; i < k; i++) {
      if (i > 0) offset += gap(row[i - 1], row[i]);
      x[row[i]] = y[i] + offset;
    }
  };
  const both = (v) => g.up[v].concat(g.down[v]);
  for (let p = 0; p < passes; p++) {
    for (let l = 1; l < rows.length; l++) settle(rows[l], (v) => g.up[v]);
    for (let l = rows.length - 2; l >= 0; l--) settle(rows[l], (v) => g.down[v]);
  }
  for (let l = 0; l < rows.length; l++) settle(rows[l], both);
  return x;
}
function layeredLayout(nodes, edges, options = {}) {
  const layerGap = options.layerGap ?? 48;
  const nodeGap = options.nodeGap ?? 28;
  const edgeGap = options.edgeGap ?? 14;
  const margin = options.margin ?? 20;
  const g = build(nodes, edges, edgeGap);
  let layerCount = 0;
  for (let v = 0; v < g.n; v++) layerCount = Math.max(layerCount, g.layer[v] + 1);
  const rows = reduceCrossings(firstOrder(g, g.topo, layerCount), g, options.sweeps ?? 6);
  const x = place(rows, g, nodeGap, edgeGap, 3);
  let left = Infinity;
  let right = -Infinity;
  for (let v = 0; v < g.layer.length; v++) {
    left = Math.min(left, x[v] - g.width[v] / 2);
    right = Math.max(right, x[v] + g.width[v] / 2);
  }
  const shift = margin - (Number.isFinite(left) ? left : 0);
  const rowTop = new Float64Array(layerCount);
  const rowHeight = new Float64Array(layerCount);
  for (let v = 0; v < g.n; v++) rowHeight[g.layer[v]] = Math.max(rowHeight[g.layer[v]], nodes[v].height);
  let top = margin;
  for (let l = 0; l < layerCount; l++) {
    rowTop[l] = top;
    top += rowHeight[l] + layerGap;
  }
  const positions = {};
  const layers = {};
  nodes.forEach((node, v) => {
    positions[node.id] = [x[v] + shift - node.width / 2, rowTop[g.layer[v]]];
    layers[node.id] = g.layer[v];
  });
  const routes = g.chains.map(
    (chain) => chain.flatMap((d) => [
      [x[d] + shift, rowTop[g.layer[d]]],
      [x[d] + shift, rowTop[g.layer[d]] + rowHeight[g.layer[d]]]
    ])
  );
  return {
    positions,
    layers,
    routes,
    width: Number.isFinite(right) ? right - left + 2 * margin : 2 * margin,
    height: layerCount ? top - layerGap + margin : 2 * margin
  };
}
function edgePath(points) {
  let d = `M${points[0][0].toFixed(1)},${points[0][1].toFixed(1)}`;
  for (let i = 1; i < points.length; i++) {
    const [px, py] = points[i - 1];
    const [qx, qy] = points[i];
    if (px === qx && qy > py) {
      d += `L${qx.toFixed(1)},${qy.toFixed(1)}`;
      continue;
    }
    const c = qy > py ? (qy - py) / 2 : Math.max(40, (py - qy) / 2);
    d += `C${px.toFixed(1)},${(py + c).toFixed(1)} ${qx.toFixed(1)},${(qy - c).toFixed(1)} ${qx.toFixed(1)},${qy.toFixed(1)}`;
  }
  return d;
}
function pathMiddle(points) {
  const segments = points.length - 1;
  const m = Math.floor(segments / 2);
  if (segments % 2 === 0) return points[m];
  const [px, py] = points[m];
  const [qx, qy] = points[m + 1];
  if (px === qx && qy > py) return [px, (py + qy) / 2];
  const c = qy > py ? (qy - py) / 2 : Math.max(40, (py - qy) / 2);
  return [(px + 3 * px + 3 * qx + qx) / 8, (py + 3 * (py + c) + 3 * (qy - c) + qy) / 8];
}

// widgets/graph.js
var SVG = "http://www.w3.org/2000/svg";
var ZOOM_MIN = 0.01;
var ZOOM_MAX = 3;
var FALLBACK = [150, 44];
function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}
function html(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== void 0) e.textContent = text;
  return e;
}
function parseValue(text) {
  const t = text.trim();
  if (t === "") return void 0;
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
}
function freeId(graph, type) {
  const base = type.toLowerCase();
  let i = 1;
  while (graph.nodes.some((n) => n.id === `${base}${i}`)) i++;
  return `${base}${i}`;
}
var isPoint = (p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite);
var clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
function arrowMarker(id, className) {
  const m = svg("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 4.5, markerHeight: 4.5, orient: "auto" });
  m.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: className }));
  return m;
}
function render({ model, el }) {
  el.classList.add("cvs", "cvs-graph");
  el.tabIndex = 0;
  const uid = `cvs-graph-${Math.random().toString(36).slice(2, 10)}`;
  let picked = null;
  let wanted = null;
  let reveal = null;
  let connecting = null;
  let view = { k: 1, tx: 0, ty: 0 };
  let userView = false;
  let measured = false;
  let autoHeight = "";
  let gesture = null;
  let nodeEls = {}, sizes = {}, pos = {}, routes = [], edgeEls = [], slots = {}, touching = {};
  const moved = /* @__PURE__ */ new Set();
  const byType = () => Object.fromEntries(model.get("catalogue").map((c) => [c.type, c]));
  const commit = (graph, positions) => {
    model.set("graph", graph);
    if (positions) model.set("positions", positions);
    model.set("message", "");
    model.save_changes();
  };
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
  tool("\u2212", "zoom out (-)", () => zoomBy(1 / 1.25), "cvs-zoom-out");
  const zoomLabel = tool("100%", "zoom to 100%", () => zoomBy(1 / view.k), "cvs-zoom-label");
  tool("+", "zoom in (+)", () => zoomBy(1.25), "cvs-zoom-in");
  tool("Fit", "fit the graph in view (0)", () => {
    userView = false;
    fit();
  }, "cvs-fit");
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
    arrowMarker(`${uid}-arrow-bad`, "cvs-arrow cvs-arrow-bad")
  );
  const edgeLayer = svg("g");
  const rubber = svg("path", { class: "cvs-rubber", "marker-end": `url(#${uid}-arrow-picked)` });
  edges.append(defs, edgeLayer, rubber);
  world.append(edges);
  viewport.append(world);
  const params = html("div", "cvs-params");
  editor.append(palette, viewport, params);
  el.append(bar, editor);
  function apply() {
    const { k, tx, ty } = view;
    world.style.transform = `translate(${tx}px, ${ty}px) scale(${k})`;
    world.style.setProperty("--cvs-ink", String(1 / clamp(k, 0.35, 1)));
    world.style.setProperty("--cvs-outline", String(1 / Math.min(k, 1)));
    viewport.classList.toggle("cvs-far", k < 0.25);
    let grid = 24 * k;
    while (grid < 12) grid *= 4;
    viewport.style.backgroundSize = `${grid}px ${grid}px`;
    viewport.style.backgroundPosition = `${tx}px ${ty}px`;
    viewport.dataset.zoom = k.toFixed(4);
    zoomLabel.textContent = `${Math.round(k * 100)}%`;
  }
  function zoomAt(factor, px, py) {
    const k = clamp(view.k * factor, ZOOM_MIN, ZOOM_MAX);
    view = { k, tx: px - (px - view.tx) * k / view.k, ty: py - (py - view.ty) * k / view.k };
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
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + w);
      y1 = Math.max(y1, y + h);
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
  function edgePoints(graph, i) {
    const e = graph.edges[i];
    const a = pos[e.source], b = pos[e.target];
    if (!a || !b) return null;
    const [aw, ah] = sizes[e.source];
    const [bw] = sizes[e.target];
    const [j, k] = slots[i];
    const start = [a[0] + aw / 2, a[1] + ah];
    const end = [b[0] + bw * (j + 1) / (k + 1), b[1]];
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
    const shape = html("div", "cvs-shape", shapes[node.id] ? `\u2192 [${shapes[node.id].join(", ")}]` : "\u2192 ?");
    div.append(head, shape);
    const nodeErrors = errors.filter((e) => e.node === node.id);
    const nodeWarnings = warnings.filter((w) => w.node === node.id);
    for (const e of nodeErrors) div.append(html("div", "cvs-node-error", e.message));
    for (const w of nodeWarnings) div.append(html("div", "cvs-node-warning", `\u26A0 ${w.message}`));
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
    measured = viewport.isConnected && viewport.clientWidth > 0;
    sizes = {};
    for (const node of graph.nodes) {
      const d = nodeEls[node.id];
      sizes[node.id] = measured ? [d.offsetWidth, d.offsetHeight] : FALLBACK;
    }
    const laid = layeredLayout(
      graph.nodes.map((n) => ({ id: n.id, width: sizes[n.id][0], height: sizes[n.id][1] })),
      graph.edges,
      { layerGap: 28 }
      // tight layers: a plain CNN's chain still fits near full size
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
    slots = {};
    touching = {};
    const into = {};
    graph.edges.forEach((e, i) => {
      (into[e.target] = into[e.target] || []).push(i);
      for (const id of [e.source, e.target]) (touching[id] = touching[id] || []).push(i);
    });
    const from = (i) => {
      const e = graph.edges[i];
      const route = moved.has(e.source) || moved.has(e.target) ? [] : routes[i] || [];
      if (route.length) return route[route.length - 1][0];
      return pos[e.source] ? pos[e.source][0] + sizes[e.source][0] / 2 : 0;
    };
    for (const ins of Object.values(into)) {
      ins.sort((a, b2) => from(a) - from(b2) || a - b2);
      ins.forEach((i, j) => slots[i] = [j, ins.length]);
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
  function drawBar() {
    const errors = model.get("errors");
    const warnings = model.get("warnings") || [];
    const warned = warnings.length ? `, ${warnings.length} warning${warnings.length > 1 ? "s" : ""}` : "";
    status.textContent = model.get("valid") ? `\u2713 valid${warned}` : `\u2717 ${errors.length} problem(s)${warned}`;
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
    const shown = /* @__PURE__ */ new Set();
    for (const item of list.querySelectorAll(".cvs-item")) {
      const hit = !q || item.dataset.type.toLowerCase().includes(q) || item.dataset.category.toLowerCase().includes(q);
      item.hidden = !hit;
      if (hit) shown.add(item.dataset.category);
    }
    for (const h of list.querySelectorAll("b")) h.hidden = !shown.has(h.dataset.category);
  }
  function drawPaletteHead() {
    const edge = picked && "edge" in picked;
    paletteHead.textContent = edge ? `insert on ${picked.source} \u2192 ${picked.target}` : "add a layer";
    palette.classList.toggle("cvs-inserting", !!edge);
  }
  function drawParams() {
    const graph = model.get("graph");
    const shapes = model.get("shapes");
    params.replaceChildren();
    if (picked && "edge" in picked) {
      const e = graph.edges[picked.edge];
      params.append(html("b", "", `${e.source} \u2192 ${e.target}`));
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
      params.append(html(
        "p",
        "cvs-help",
        "Click a layer in the palette to add it; click a node to edit it; drag a node's port to another node to connect them; click an edge (or its +) and a layer to insert it there. Delete removes what is selected. Wheel to zoom, drag the background to pan."
      ));
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
      input.value = value === void 0 ? "" : JSON.stringify(value);
      input.placeholder = p.default === null || p.default === void 0 ? "" : JSON.stringify(p.default);
      input.onchange = () => setParam(node.id, p.name, parseValue(input.value));
      input.onkeydown = (ev) => {
        ev.stopPropagation();
        if (ev.key === "Enter") input.blur();
      };
      label.append(input);
      params.append(label);
    }
    graph.edges.forEach((e, i) => {
      if (e.target !== node.id && e.source !== node.id) return;
      const b = html("button", "cvs-edge-button", `\u2715 ${e.source} \u2192 ${e.target}`);
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
  let queued = false;
  function redraw() {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      drawAll();
    });
  }
  function pick(type) {
    const graph = model.get("graph");
    const id = freeId(graph, type);
    if (picked && "edge" in picked) {
      model.send({ type: "insert", edge: picked.edge, source: picked.source, target: picked.target, layer: type, id });
      wanted = id;
      return;
    }
    const next = structuredClone(graph);
    const node = { id, type, params: {} };
    for (const p of byType()[type].params || []) if (p.required && p.default !== null && p.default !== void 0) node.params[p.name] = p.default;
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
    if (value === void 0) delete node.params[name];
    else node.params[name] = value;
    commit(graph);
  }
  function connect(source, target) {
    connecting = null;
    if (source !== target) model.send({ type: "connect", source, target });
    drawSelection();
  }
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
      userView = true;
      const [x, y] = pos[g.id];
      model.set("positions", { ...model.get("positions"), [g.id]: [Math.round(x), Math.round(y)] });
      model.save_changes();
    } else if (g.kind === "node") {
      if (connecting) connect(connecting, g.id);
      else select({ node: g.id });
    } else if (g.kind === "wire") {
      const target = g.moved && document.elementFromPoint(ev.clientX, ev.clientY)?.closest(".cvs-graph .cvs-node");
      if (target && nodeEls[target.dataset.id] === target) connect(g.id, target.dataset.id);
      else if (!g.moved) {
        connecting = g.id;
        drawSelection();
      }
    } else if (g.kind === "edge" && !g.moved) {
      const e = model.get("graph").edges[g.index];
      select({ edge: g.index, source: e.source, target: e.target });
    } else if (g.kind === "pan" && !g.moved && (picked || connecting)) {
      connecting = null;
      select(null);
    }
  });
  viewport.addEventListener("pointercancel", () => {
    gesture = null;
    rubber.style.display = "none";
  });
  viewport.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    ev.stopPropagation();
    reveal = null;
    const r = viewport.getBoundingClientRect();
    const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? r.height : 1;
    zoomAt(Math.exp(-ev.deltaY * unit * 2e-3), ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  el.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, textarea, select, [contenteditable]")) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.shiftKey && ev.key === "Enter") return;
    if (ev.target.closest("button") && (ev.key === "Enter" || ev.key === " ")) {
      ev.stopPropagation();
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
    else if (ev.key === "0") {
      userView = false;
      fit();
    }
    ev.preventDefault();
    ev.stopPropagation();
  });
  filter.addEventListener("input", applyFilter);
  filter.addEventListener("keydown", (ev) => {
    ev.stopPropagation();
    if (ev.key === "Enter") list.querySelector(".cvs-item:not([hidden])")?.click();
    if (ev.key === "Escape") {
      filter.value = "";
      applyFilter();
    }
  });
  const resize = new ResizeObserver(() => {
    if (!viewport.clientWidth) return;
    palette.style.height = viewport.style.height;
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
var graph_default = { render };
export {
  graph_default as default,
  layeredLayout
};
