// GraphEditor: palette, nodes you drag, ports you click to connect (the kernel asks the
// server whether the shapes fit), params you edit, shapes and errors on every node.
function layout(graph, positions) {
  // nodes without a position go in columns by their distance from an input
  const depth = {};
  const incoming = {};
  for (const e of graph.edges) (incoming[e.target] = incoming[e.target] || []).push(e.source);
  const visit = (id, seen = new Set()) => {
    if (depth[id] !== undefined) return depth[id];
    if (seen.has(id)) return 0;
    seen.add(id);
    const parents = incoming[id] || [];
    depth[id] = parents.length ? 1 + Math.max(...parents.map((p) => visit(p, seen))) : 0;
    return depth[id];
  };
  const rows = {};
  const out = { ...positions };
  for (const n of graph.nodes) {
    if (out[n.id]) continue;
    const d = visit(n.id);
    rows[d] = (rows[d] || 0) + 1;
    out[n.id] = [20 + rows[d] * 10 + (rows[d] - 1) * 170, 20 + d * 90];
  }
  return out;
}

function parseValue(text) {
  const t = text.trim();
  if (t === "") return undefined;
  try { return JSON.parse(t); } catch { return t; }
}

function render({ model, el }) {
  el.classList.add("cvs", "cvs-graph");
  let picked = null;      // node id whose params show
  let connecting = null;  // node id whose output port was clicked

  const commit = (graph) => { model.set("graph", graph); model.save_changes(); };
  const byType = () => Object.fromEntries(model.get("catalogue").map((c) => [c.type, c]));

  function addNode(type) {
    const graph = structuredClone(model.get("graph"));
    const spec = byType()[type];
    let i = 1;
    const base = type.toLowerCase();
    while (graph.nodes.some((n) => n.id === `${base}${i}`)) i++;
    const params = {};
    for (const p of spec.params || []) if (p.required && p.default !== null && p.default !== undefined) params[p.name] = p.default;
    graph.nodes.push({ id: `${base}${i}`, type, params });
    picked = `${base}${i}`;
    commit(graph);
  }

  function removeNode(id) {
    const graph = structuredClone(model.get("graph"));
    graph.nodes = graph.nodes.filter((n) => n.id !== id);
    graph.edges = graph.edges.filter((e) => e.source !== id && e.target !== id);
    picked = null;
    commit(graph);
  }

  function removeEdge(index) {
    const graph = structuredClone(model.get("graph"));
    graph.edges.splice(index, 1);
    commit(graph);
  }

  function setParam(id, name, value) {
    const graph = structuredClone(model.get("graph"));
    const node = graph.nodes.find((n) => n.id === id);
    if (value === undefined) delete node.params[name]; else node.params[name] = value;
    commit(graph);
  }

  function draw() {
    el.replaceChildren();
    const graph = model.get("graph");
    const shapes = model.get("shapes");
    const errors = model.get("errors");
    const positions = layout(graph, model.get("positions"));

    const bar = document.createElement("div");
    bar.className = "cvs-bar";
    const status = document.createElement("span");
    status.className = "cvs-valid";
    // a graph that builds but has dead ends is valid *with* warnings, never a bare "✓ valid"
    const warnings = model.get("warnings") || [];
    const warned = warnings.length ? `, ${warnings.length} warning${warnings.length > 1 ? "s" : ""}` : "";
    status.textContent = model.get("valid") ? `✓ valid${warned}` : `✗ ${errors.length} problem(s)${warned}`;
    status.classList.toggle("cvs-warned", warnings.length > 0);
    bar.append(status);
    if (model.get("message")) {
      const m = document.createElement("span");
      m.className = "cvs-error cvs-message";
      m.textContent = model.get("message");
      bar.append(m);
    }
    if (connecting) {
      const hint = document.createElement("span");
      hint.textContent = `connecting from ${connecting}: click the target node (Esc to cancel)`;
      bar.append(hint);
    }
    el.append(bar);

    const editor = document.createElement("div");
    editor.className = "cvs-editor";
    const palette = document.createElement("div");
    palette.className = "cvs-palette";
    let category = null;
    for (const spec of model.get("catalogue")) {
      if (spec.type === "Input") continue;
      if (spec.category !== category) {
        category = spec.category;
        const h = document.createElement("b");
        h.textContent = category;
        palette.append(h);
      }
      const item = document.createElement("div");
      item.textContent = spec.type;
      item.title = spec.description || "";
      item.dataset.type = spec.type;
      item.onclick = () => addNode(spec.type);
      palette.append(item);
    }

    const canvas = document.createElement("div");
    canvas.className = "cvs-canvas";
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("width", "2000");
    svg.setAttribute("height", "2000");
    canvas.append(svg);
    const boxes = {};
    for (const node of graph.nodes) {
      const div = document.createElement("div");
      div.className = "cvs-node";
      div.dataset.id = node.id;
      const [x, y] = positions[node.id];
      div.style.left = `${x}px`;
      div.style.top = `${y}px`;
      const nodeErrors = errors.filter((e) => e.node === node.id);
      if (nodeErrors.length) div.classList.add("cvs-bad");
      if (picked === node.id) div.classList.add("cvs-picked");
      const head = document.createElement("div");
      head.innerHTML = "";
      const name = document.createElement("b");
      name.textContent = `${node.id}`;
      const type = document.createElement("span");
      type.textContent = ` ${node.type}`;
      head.append(name, type);
      if (node.type !== "Output") {
        const port = document.createElement("span");
        port.className = "cvs-port";
        port.title = "connect from here";
        port.onclick = (ev) => { ev.stopPropagation(); connecting = node.id; draw(); };
        head.append(port);
      }
      const shape = document.createElement("div");
      shape.className = "cvs-shape";
      shape.textContent = shapes[node.id] ? `→ [${shapes[node.id].join(", ")}]` : "→ ?";
      div.append(head, shape);
      for (const e of nodeErrors) {
        const d = document.createElement("div");
        d.className = "cvs-node-error";
        d.textContent = e.message;
        div.append(d);
      }
      const nodeWarnings = warnings.filter((w) => w.node === node.id);
      if (nodeWarnings.length && !nodeErrors.length) div.classList.add("cvs-warn");
      for (const w of nodeWarnings) {
        const d = document.createElement("div");
        d.className = "cvs-node-warning";
        d.textContent = `⚠ ${w.message}`;
        div.append(d);
      }
      div.onclick = () => {
        if (connecting && connecting !== node.id) {
          model.send({ type: "connect", source: connecting, target: node.id });
          connecting = null;
        } else {
          picked = node.id;
        }
        draw();
      };
      let drag = null;
      div.onmousedown = (ev) => { drag = [ev.clientX, ev.clientY, x, y]; };
      window.addEventListener("mouseup", (ev) => {
        if (!drag) return;
        const [cx, cy, ox, oy] = drag;
        drag = null;
        if (Math.abs(ev.clientX - cx) + Math.abs(ev.clientY - cy) < 4) return;
        model.set("positions", { ...model.get("positions"), [node.id]: [ox + ev.clientX - cx, oy + ev.clientY - cy] });
        model.save_changes();
      }, { once: true });
      canvas.append(div);
      boxes[node.id] = [x, y];
    }
    graph.edges.forEach((e, i) => {
      const a = boxes[e.source], b = boxes[e.target];
      if (!a || !b) return;
      const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
      line.setAttribute("x1", a[0] + 60); line.setAttribute("y1", a[1] + 40);
      line.setAttribute("x2", b[0] + 60); line.setAttribute("y2", b[1]);
      line.setAttribute("stroke", "#888");
      line.setAttribute("stroke-width", "2");
      line.dataset.edge = i;
      svg.append(line);
    });

    const params = document.createElement("div");
    params.className = "cvs-params";
    const node = graph.nodes.find((n) => n.id === picked);
    if (node) {
      const spec = byType()[node.type] || { params: [] };
      const title = document.createElement("b");
      title.textContent = `${node.id} (${node.type})`;
      params.append(title);
      for (const p of spec.params || []) {
        const label = document.createElement("label");
        label.textContent = `${p.name}${p.required ? " *" : ""} (${p.type})`;
        label.title = p.description || "";
        const input = document.createElement("input");
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
      const edges = graph.edges.map((e, i) => [e, i]).filter(([e]) => e.target === node.id || e.source === node.id);
      for (const [e, i] of edges) {
        const b = document.createElement("button");
        b.textContent = `✕ ${e.source} → ${e.target}`;
        b.onclick = () => removeEdge(i);
        params.append(b);
      }
      if (node.type !== "Input") {
        const del = document.createElement("button");
        del.textContent = "Delete node";
        del.className = "cvs-delete";
        del.onclick = () => removeNode(node.id);
        params.append(del);
      }
    } else {
      params.textContent = "Click a layer in the palette to add it, a node to edit it, a blue port and then a node to connect them.";
    }
    editor.append(palette, canvas, params);
    el.append(editor);
  }
  el.tabIndex = 0;
  el.addEventListener("keydown", (ev) => { if (ev.key === "Escape") { connecting = null; draw(); } });
  draw();
  for (const n of ["graph", "shapes", "errors", "warnings", "valid", "message", "positions", "catalogue"]) model.on(`change:${n}`, draw);
}

export default { render };
