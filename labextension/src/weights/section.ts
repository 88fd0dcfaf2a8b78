// The weight library in the sidebar: task → architecture → name → versions, each group
// collapsible (closed groups stay closed across refreshes), one row per version. A name
// is one owner's: another user's shared weights are a group of their own, "shared by"
// them, beside the user's weights of the same name.
import { ApiError, all, request } from "../api";
import { bytes, figure, h, listRow } from "../dom";
import { Section } from "../section";
import { sharedTag } from "../share";
import { Studio } from "../studio";
import { uploadWeight } from "./actions";

export interface Weight {
  id: number;
  name: string;
  version: number;
  owner: string;
  /** another user's, shared with this one read-only */
  shared?: boolean;
  task: "classification" | "detection";
  architecture: string;
  num_classes: number;
  classes: string[];
  input_size: number[];
  format: string;
  file_size: number;
  sha256: string;
  run_id: number | null;
  parent_id: number | null;
  metrics: Record<string, unknown>;
  tags: string[];
  created_at: string;
}

interface Tree {
  tree: {
    task: string;
    children: { architecture: string; children: { name: string; owner: string; shared: boolean; versions: Weight[] }[] }[];
  }[];
}

/** The figure a weight is judged by: its validation accuracy or mAP, else its file size. */
export function keyFigure(w: Weight): { label: string; title: string; metric: boolean } {
  for (const [key, short] of [
    ["val_accuracy", "acc"],
    ["val_map", "mAP"],
  ]) {
    const v = w.metrics[key];
    if (typeof v === "number") return { label: `${short} ${figure(v)}`, title: `${key} ${figure(v)}`, metric: true };
  }
  return { label: bytes(w.file_size), title: "file size (no metrics recorded)", metric: false };
}

const GRAPH = "graph:";

/** Names of the user's saved model graphs by id, for `graph:<id>` architectures. */
async function graphNames(tree: Tree["tree"]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!tree.some((t) => t.children.some((a) => a.architecture.startsWith(GRAPH)))) return names;
  for (const m of (await all<{ id: number; name: string }>("models")).items) names.set(`${GRAPH}${m.id}`, m.name);
  return names;
}

export function tagChips(tags: string[]): HTMLElement {
  return h("span", { className: "cvs-tags" }, ...tags.map((t) => h("span", { className: "cvs-tag" }, t)));
}

export class WeightsSection extends Section {
  private readonly list = h("ul", { className: "cvs-list cvs-wtree", role: "tree" });
  /** keys of the groups the user closed ("task", "task/arch", "task/arch/owner/name") */
  private readonly closed = new Set<string>();
  private loading = 0;

  constructor(studio: Studio) {
    super(studio, "Weights");
    this.addAction("⤒", "Upload a weight file (.pt, .pth, .safetensors)", () => void uploadWeight(studio));
    this.addAction("↻", "Refresh the weight library", () => void this.refresh());
    this.body.append(this.list);
    this.list.addEventListener("click", (e) => this.onClick(e));
    this.list.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        this.onClick(e);
      }
    });
    studio.on("weights", () => void this.refresh());
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const ticket = ++this.loading;
    try {
      const { tree } = await request<Tree>("weights/tree");
      const names = await graphNames(tree);
      if (ticket === this.loading) this.render(tree, names);
    } catch (err) {
      if (ticket === this.loading) this.say(err instanceof ApiError ? err.message : String(err), true);
    }
  }

  private render(tree: Tree["tree"], graphs: Map<string, string>): void {
    const out = document.createDocumentFragment();
    let total = 0;
    for (const t of tree) {
      const taskKey = t.task;
      const archs = document.createDocumentFragment();
      let inTask = 0;
      for (const a of t.children) {
        const archKey = `${taskKey}/${a.architecture}`;
        const names = document.createDocumentFragment();
        let inArch = 0;
        for (const n of a.children) {
          const rows = document.createDocumentFragment();
          for (const w of n.versions) rows.append(this.row(w));
          const key = `${archKey}/${n.owner}/${n.name}`;
          names.append(this.group(key, n.name, n.versions.length, rows, 3, sharedTag(n)));
          inArch += n.versions.length;
        }
        const graph = graphs.get(a.architecture);
        archs.append(this.group(archKey, graph ? `${graph} (${a.architecture})` : a.architecture, inArch, names, 2));
        inTask += inArch;
      }
      out.append(this.group(taskKey, t.task, inTask, archs, 1));
      total += inTask;
    }
    if (!total) {
      out.append(h("li", { className: "cvs-empty" }, "No weights yet: upload a file, or train a run."));
    }
    this.list.replaceChildren(out);
    this.setCount(total);
    this.say("");
  }

  private group(key: string, label: string, count: number, children: Node, depth: number, tag: Node | null = null): HTMLLIElement {
    const open = !this.closed.has(key);
    const head = h(
      "div",
      { className: "cvs-wgroup-head", role: "treeitem", tabIndex: 0, "aria-expanded": String(open), "data-key": key },
      h("span", { className: "cvs-wgroup-name", title: label }, label),
      tag,
      h("span", { className: "cvs-count" }, String(count)),
    );
    const li = h("li", { className: `cvs-wgroup cvs-depth-${depth}${open ? "" : " cvs-closed"}` }, head);
    li.append(h("ul", { className: "cvs-list", role: "group" }, children));
    return li;
  }

  private row(w: Weight): HTMLLIElement {
    const key = keyFigure(w);
    const li = listRow(
      "weight",
      w.id,
      h("span", { className: "cvs-row-title", title: `${w.name} v${w.version} (${w.architecture})` }, `${w.name} v${w.version}`),
      h("span", { className: "cvs-wfigure", title: key.title }, key.label),
    );
    if (w.tags.length) li.append(tagChips(w.tags));
    return li;
  }

  private onClick(e: Event): void {
    const target = e.target as HTMLElement;
    const head = target.closest<HTMLElement>(".cvs-wgroup-head");
    if (head) {
      const key = head.dataset.key || "";
      const closed = head.parentElement!.classList.toggle("cvs-closed");
      head.setAttribute("aria-expanded", String(!closed));
      if (closed) this.closed.add(key);
      else this.closed.delete(key);
      return;
    }
    const row = target.closest<HTMLElement>("li.cvs-row");
    if (row) this.studio.open("weight", Number(row.dataset.cvstudioId));
  }
}
