// A layered (Sugiyama-style) layout of a model graph, top to bottom: longest-path layers
// from the inputs, long edges split by virtual nodes, crossings reduced by barycenter
// sweeps (the best ordering kept), then x by a few balancing passes under the minimum
// spacing (weighted isotonic regression) and y by layer. No DOM: the notebook widget and
// the lab both call it, and a bench runs it alone.

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export interface LayoutEdge {
  source: string;
  target: string;
}

export interface LayoutOptions {
  /** vertical space between two layers */
  layerGap?: number;
  /** horizontal space between two nodes of a layer */
  nodeGap?: number;
  /** the width a long edge takes where it passes a layer */
  edgeGap?: number;
  /** down-and-up barycenter sweeps */
  sweeps?: number;
  /** space around the drawing */
  margin?: number;
}

export type Point = [number, number];

export interface Layout {
  /** every node's top-left corner */
  positions: Record<string, Point>;
  /** every node's layer (0 at the top) */
  layers: Record<string, number>;
  /** by edge index: where a long edge bends (a vertical run through each layer it
   * passes), empty for an edge between adjacent layers, an edge going up or a loop */
  routes: Point[][];
  width: number;
  height: number;
}

interface Graph {
  n: number; // real nodes; virtual ones follow
  layer: number[];
  width: number[];
  up: number[][]; // neighbours in the layer above
  down: number[][]; // neighbours in the layer below
  chains: number[][]; // by edge index: its virtual nodes, top to bottom
}

/** A topological order (input order among ready nodes); on a cycle, the earliest waiting
 * node goes next and its edges from nodes after it count as going up. */
function order(n: number, out: number[][], indegree: number[]): number[] {
  const left = indegree.slice();
  const done = new Uint8Array(n);
  const result: number[] = [];
  const ready: number[] = [];
  for (let v = n - 1; v >= 0; v--) if (left[v] === 0) ready.push(v);
  let next = 0; // the first node not yet placed, for breaking a cycle
  while (result.length < n) {
    if (!ready.length) {
      while (done[next]) next++;
      ready.push(next);
    }
    const v = ready.pop() as number;
    if (done[v]) continue;
    done[v] = 1;
    result.push(v);
    // children pushed in reverse so the first child is taken first (depth first keeps
    // a branch together)
    for (let k = out[v].length - 1; k >= 0; k--) {
      const w = out[v][k];
      if (!done[w] && --left[w] === 0) ready.push(w);
    }
  }
  return result;
}

function build(nodes: LayoutNode[], edges: LayoutEdge[], edgeGap: number): Graph & { topo: number[] } {
  const n = nodes.length;
  const index = new Map<string, number>();
  nodes.forEach((node, i) => index.set(node.id, i));
  const out: number[][] = Array.from({ length: n }, () => []);
  const indegree = new Array<number>(n).fill(0);
  const pairs: ([number, number] | null)[] = edges.map((e) => {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined || s === t) return null;
    out[s].push(t);
    indegree[t]++;
    return [s, t];
  });
  const topo = order(n, out, indegree);
  const rank = new Array<number>(n);
  topo.forEach((v, i) => (rank[v] = i));
  const forward = pairs.map((p) => (p !== null && rank[p[0]] < rank[p[1]] ? p : null));
  const outF: number[][] = Array.from({ length: n }, () => []);
  const hasIn = new Uint8Array(n);
  for (const p of forward) {
    if (p === null) continue;
    outF[p[0]].push(p[1]);
    hasIn[p[1]] = 1;
  }
  // longest path from the inputs...
  const layer = new Array<number>(n).fill(0);
  for (const v of topo) for (const w of outF[v]) if (layer[w] < layer[v] + 1) layer[w] = layer[v] + 1;
  // ...except a source that only feeds a node further down sits just above it
  for (let i = topo.length - 1; i >= 0; i--) {
    const v = topo[i];
    if (hasIn[v] || !outF[v].length) continue;
    let lowest = Infinity;
    for (const w of outF[v]) lowest = Math.min(lowest, layer[w]);
    layer[v] = lowest - 1;
  }
  const width = nodes.map((node) => node.width);
  const up: number[][] = Array.from({ length: n }, () => []);
  const down: number[][] = Array.from({ length: n }, () => []);
  const chains: number[][] = edges.map(() => []);
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

/** The layers' first orderings: nodes in topological order, each virtual node right
 * after the real node its edge leaves. */
function firstOrder(g: Graph, topo: number[], depth: number): number[][] {
  const rows: number[][] = Array.from({ length: depth }, () => []);
  const placed = new Uint8Array(g.layer.length);
  const place = (v: number): void => {
    if (placed[v]) return;
    placed[v] = 1;
    rows[g.layer[v]].push(v);
  };
  for (const v of topo) {
    place(v);
    for (const w of g.down[v]) {
      let d = w;
      while (d >= g.n) {
        place(d);
        d = g.down[d][0];
      }
    }
  }
  return rows;
}

/** Crossings between two neighbouring layers: inversions among the edges sorted by their
 * upper end, counted on their lower ends with a Fenwick tree. */
function crossingsBetween(upper: number[], lower: number[], g: Graph, pos: Int32Array): number {
  if (lower.length < 2) return 0;
  const ends: number[] = [];
  for (const v of upper) {
    const start = ends.length;
    for (const w of g.down[v]) ends.push(pos[w]);
    // edges leaving one node: sorted by their lower end, they do not cross each other
    const part = ends.slice(start).sort((x, y) => x - y);
    for (let k = 0; k < part.length; k++) ends[start + k] = part[k];
  }
  const size = lower.length;
  const tree = new Int32Array(size + 1);
  let crossings = 0;
  let seen = 0;
  for (const p of ends) {
    let sum = 0; // how many seen so far end at or before p
    for (let i = p + 1; i > 0; i -= i & -i) sum += tree[i];
    crossings += seen - sum;
    for (let i = p + 1; i <= size; i += i & -i) tree[i]++;
    seen++;
  }
  return crossings;
}

function crossings(rows: number[][], g: Graph, pos: Int32Array): number {
  let total = 0;
  for (let l = 0; l + 1 < rows.length; l++) total += crossingsBetween(rows[l], rows[l + 1], g, pos);
  return total;
}

function sweep(rows: number[][], g: Graph, pos: Int32Array, downward: boolean): void {
  const keys = new Float64Array(g.layer.length);
  const range = downward ? [1, rows.length, 1] : [rows.length - 2, -1, -1];
  for (let l = range[0]; l !== range[1]; l += range[2]) {
    const row = rows[l];
    for (const v of row) {
      const near = downward ? g.up[v] : g.down[v];
      if (!near.length) {
        keys[v] = pos[v]; // nothing to follow: it keeps its place
        continue;
      }
      let sum = 0;
      for (const w of near) sum += pos[w];
      // a tie between a node and its neighbour's place goes the same way every time
      keys[v] = sum / near.length + (v < g.n ? 0 : 1e-6);
    }
    row.sort((a, b) => keys[a] - keys[b] || pos[a] - pos[b]);
    row.forEach((v, i) => (pos[v] = i));
  }
}

function reduceCrossings(rows: number[][], g: Graph, sweeps: number): number[][] {
  const pos = new Int32Array(g.layer.length);
  for (const row of rows) row.forEach((v, i) => (pos[v] = i));
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

/** Weighted isotonic regression (pool adjacent violators): the non-decreasing y closest
 * to t in the weighted least squares sense. */
function isotonic(t: Float64Array, w: Float64Array): Float64Array {
  const k = t.length;
  const value = new Float64Array(k);
  const weight = new Float64Array(k);
  const count = new Int32Array(k);
  let blocks = 0;
  for (let i = 0; i < k; i++) {
    value[blocks] = t[i];
    weight[blocks] = w[i];
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

/** Centres of the nodes of each layer: as close as the spacing allows to the mean of
 * their neighbours', after passes down, up, then both ways. */
function place(rows: number[][], g: Graph, nodeGap: number, edgeGap: number, passes: number): Float64Array {
  const x = new Float64Array(g.layer.length);
  // every real node takes a column as wide as the widest: a chain of nodes of different
  // widths beside a long edge then stays on one vertical line
  let widest = 0;
  for (let v = 0; v < g.n; v++) widest = Math.max(widest, g.width[v]);
  const half = (v: number): number => (v < g.n ? widest : g.width[v]) / 2;
  const gap = (a: number, b: number): number =>
    half(a) + half(b) + (a < g.n && b < g.n ? nodeGap : a < g.n || b < g.n ? nodeGap / 2 : edgeGap / 2);
  for (const row of rows) {
    let at = 0;
    row.forEach((v, i) => {
      if (i > 0) at += gap(row[i - 1], v);
      x[v] = at;
    });
  }
  const settle = (row: number[], use: (v: number) => number[]): void => {
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
      // equal weights keep a split and its merge on one vertical line (unequal ones
      // shift each residual block a little further sideways); a node with no
      // neighbours there barely pulls
      w[i] = near.length ? 1 : 0.01;
    }
    const y = isotonic(t, w);
    offset = 0;
    for (let i = 0; i < k; i++) {
      if (i > 0) offset += gap(row[i - 1], row[i]);
      x[row[i]] = y[i] + offset;
    }
  };
  const both = (v: number): number[] => g.up[v].concat(g.down[v]);
  for (let p = 0; p < passes; p++) {
    for (let l = 1; l < rows.length; l++) settle(rows[l], (v) => g.up[v]);
    for (let l = rows.length - 2; l >= 0; l--) settle(rows[l], (v) => g.down[v]);
  }
  for (let l = 0; l < rows.length; l++) settle(rows[l], both);
  return x;
}

/** The layout of a graph; nodes and edges in any order, edges to unknown nodes ignored. */
export function layeredLayout(nodes: LayoutNode[], edges: LayoutEdge[], options: LayoutOptions = {}): Layout {
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
  const positions: Record<string, Point> = {};
  const layers: Record<string, number> = {};
  nodes.forEach((node, v) => {
    positions[node.id] = [x[v] + shift - node.width / 2, rowTop[g.layer[v]]];
    layers[node.id] = g.layer[v];
  });
  const routes = g.chains.map((chain) =>
    chain.flatMap((d): Point[] => [
      [x[d] + shift, rowTop[g.layer[d]]],
      [x[d] + shift, rowTop[g.layer[d]] + rowHeight[g.layer[d]]],
    ]),
  );
  return {
    positions,
    layers,
    routes,
    width: Number.isFinite(right) ? right - left + 2 * margin : 2 * margin,
    height: layerCount ? top - layerGap + margin : 2 * margin,
  };
}

/** An SVG path through the points, leaving and entering each one vertically: straight
 * down a long edge's runs, a smooth S between them, a loop round for an edge going up. */
export function edgePath(points: Point[]): string {
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

/** The middle of the path edgePath draws (by segments, not by length): where a "+" goes. */
export function pathMiddle(points: Point[]): Point {
  const segments = points.length - 1;
  const m = Math.floor(segments / 2);
  if (segments % 2 === 0) return points[m];
  const [px, py] = points[m];
  const [qx, qy] = points[m + 1];
  if (px === qx && qy > py) return [px, (py + qy) / 2];
  const c = qy > py ? (qy - py) / 2 : Math.max(40, (py - qy) / 2);
  // a cubic at t = 1/2: (P0 + 3 P1 + 3 P2 + P3) / 8
  return [(px + 3 * px + 3 * qx + qx) / 8, (py + 3 * (py + c) + 3 * (qy - c) + qy) / 8];
}
