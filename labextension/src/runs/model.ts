// The model a graph run trains, drawn in its tab: every layer with its type and output
// shape, laid out by the same layered layout as the notebook's graph editor
// (draw/layout.ts), fetched when the section is first opened.
import { request } from "../api";
import { h } from "../dom";
import { layeredLayout, Point } from "../draw/layout";

interface GraphNode {
  id: string;
  type: string;
}

interface Graph {
  nodes: GraphNode[];
  edges: { source: string; target: string }[];
}

const SVG = "http://www.w3.org/2000/svg";
const NODE_HEIGHT = 38;
const CHAR = 7; // px per character of the 12 px UI font, near enough to size a box

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function shapeText(shape: number[] | undefined): string {
  return shape ? `[${shape.join(", ")}]` : "?";
}

/** The SVG of a graph: boxes top to bottom, edges with arrowheads along the layout's routes. */
export function drawGraph(graph: Graph, shapes: Record<string, number[]>): SVGSVGElement {
  const boxes = graph.nodes.map((n) => ({
    id: n.id,
    width: Math.max(90, CHAR * Math.max(n.id.length + n.type.length + 1, shapeText(shapes[n.id]).length) + 16),
    height: NODE_HEIGHT,
  }));
  const width = Object.fromEntries(boxes.map((b) => [b.id, b.width]));
  const layout = layeredLayout(boxes, graph.edges);
  const root = svg("svg", {
    class: "cvs-model-graph",
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    width: layout.width,
    height: layout.height,
    role: "img",
  });
  const marker = svg("marker", {
    id: "cvs-model-arrow",
    viewBox: "0 0 10 10",
    refX: 10,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: "auto-start-reverse",
  });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "cvs-model-arrowhead" }));
  const defs = svg("defs", {});
  defs.append(marker);
  root.append(defs);
  graph.edges.forEach((e, i) => {
    const a = layout.positions[e.source];
    const b = layout.positions[e.target];
    if (!a || !b) return;
    const points: Point[] = [
      [a[0] + width[e.source] / 2, a[1] + NODE_HEIGHT],
      ...layout.routes[i],
      [b[0] + width[e.target] / 2, b[1]],
    ];
    const d = points.map(([x, y], k) => `${k ? "L" : "M"}${x},${y}`).join(" ");
    const path = svg("path", { d, class: "cvs-model-edge", "marker-end": "url(#cvs-model-arrow)" });
    path.dataset.edge = `${e.source}→${e.target}`;
    root.append(path);
  });
  for (const n of graph.nodes) {
    const [x, y] = layout.positions[n.id];
    const g = svg("g", { class: "cvs-model-node", transform: `translate(${x},${y})` });
    g.dataset.id = n.id;
    g.append(svg("rect", { width: width[n.id], height: NODE_HEIGHT, rx: 4 }));
    const name = svg("text", { x: 8, y: 15, class: "cvs-model-name" });
    name.textContent = `${n.id} `;
    const type = svg("tspan", { class: "cvs-model-type" });
    type.textContent = n.type;
    name.append(type);
    const shape = svg("text", { x: 8, y: 31, class: "cvs-model-shape" });
    shape.textContent = `→ ${shapeText(shapes[n.id])}`;
    g.append(name, shape);
    root.append(g);
  }
  return root;
}

/** A closed section that draws the model when opened; a deleted model says so. */
export function modelSection(modelId: number): HTMLDetailsElement {
  const body = h("div", { className: "cvs-model-body" }, "Loading the model…");
  const section = h("details", { className: "cvs-run-model" }, h("summary", {}, "Model graph"), body);
  let loaded = false;
  section.addEventListener("toggle", () => {
    if (!section.open || loaded) return;
    loaded = true;
    void (async () => {
      try {
        const model = await request<{ graph: Graph }>(`models/${modelId}`);
        const inferred = await request<{ shapes: Record<string, number[]> }>("models/infer-shapes", {
          method: "POST",
          json: { graph: model.graph },
        });
        body.replaceChildren(drawGraph(model.graph, inferred.shapes || {}));
      } catch (e) {
        body.textContent = `The model cannot be shown: ${(e as Error).message}`;
        body.classList.add("cvs-error");
      }
    })();
  });
  return section;
}
