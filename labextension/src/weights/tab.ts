// A weight's tab: what it is (fields, metrics, tags), download, share and delete, and a
// place to try it on an image from the computer or from JupyterLab's file browser.
// Another user's shared weight is marked with its owner, its tags read-only, and offers
// download and predict only.
import { Dialog, showDialog } from "@jupyterlab/apputils";
import { Widget } from "@lumino/widgets";

import { ApiError, request, url } from "../api";
import { bytes, figure, h } from "../dom";
import { readOnly, share, sharedTag, withOwner } from "../share";
import { Studio } from "../studio";
import { keyFigure, tagChips, Weight } from "./section";
import { Predictor } from "./predict";

export class WeightTab extends Widget {
  private weight: Weight | null = null;
  private readonly head = h("div", { className: "cvs-whead" });
  private readonly error = h("div", { className: "cvs-error", role: "alert" });
  private readonly details = h("section", { className: "cvs-wdetails" });
  private readonly predictor: Predictor;
  /** the model graph a `graph:<id>` weight is built from, fetched once */
  private graph: Promise<{ name: string }> | null = null;

  constructor(
    readonly studio: Studio,
    readonly itemId: number,
  ) {
    super();
    this.addClass("cvs");
    this.addClass("cvs-tab");
    this.addClass("cvs-weight-tab");
    this.node.dataset.cvstudioWeight = String(itemId);
    this.title.label = `Weight ${itemId}`;
    this.predictor = new Predictor(studio, itemId);
    this.node.append(this.head, this.error, h("div", { className: "cvs-wgrid" }, this.details, this.predictor.node));
    this.details.append(h("p", { className: "cvs-muted" }, "Loading…"));
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.render(await request<Weight>(`weights/${this.itemId}`));
    } catch (err) {
      this.details.replaceChildren();
      this.error.textContent = err instanceof Error ? err.message : String(err);
    }
  }

  private render(w: Weight): void {
    this.weight = w;
    this.title.label = withOwner(`${w.name} v${w.version}`, w);
    this.title.caption = `${w.name} v${w.version}: ${w.architecture}, ${w.task}`;
    this.predictor.setWeight(w);
    const download = h(
      "a",
      { className: "cvs-button", href: url(`weights/${w.id}/download`), download: "", title: `Download ${bytes(w.file_size)}` },
      "Download",
    );
    // another user's weight offers download and predict only
    const tag = sharedTag(w);
    const title = "Let other users predict with it and fine-tune from it";
    const own = tag
      ? []
      : [
          h("button", { className: "cvs-button", title, onclick: () => void share("weight", w.id, `${w.name} v${w.version}`) }, "Share…"),
          h("button", { className: "cvs-button cvs-danger", onclick: () => void this.remove() }, "Delete"),
        ];
    const key = keyFigure(w);
    this.head.replaceChildren(
      h("h2", {}, `${w.name} `, h("span", { className: "cvs-muted" }, `v${w.version}`)),
      ...(tag ? [tag] : []),
      ...(key.metric ? [h("span", { className: "cvs-wkey", title: key.title }, key.label)] : []),
      h("span", { className: "cvs-whead-actions" }, download, ...own),
    );
    this.details.replaceChildren(
      h("h3", {}, "Details"),
      this.fields(w),
      h("h3", {}, "Metrics"),
      this.metrics(w),
      h("h3", {}, "Tags"),
      w.shared ? this.tagsOf(w) : this.tagsEditor(w),
    );
  }

  private fields(w: Weight): HTMLElement {
    const link = (label: string, kind: string, id: number) =>
      h("button", { className: "cvs-link", "data-open": kind, onclick: () => this.studio.open(kind, id) }, label);
    const classes = w.classes.length > 12 ? `${w.classes.slice(0, 12).join(", ")} … (+${w.classes.length - 12})` : w.classes.join(", ");
    const rows: [string, string | Node][] = [
      ["Task", w.task],
      ["Architecture", this.architecture(w.architecture)],
      ["Classes", h("span", { title: w.classes.join(", ") }, `${w.num_classes}: ${classes}`)],
      ["Input size", w.input_size.length === 2 ? `${w.input_size[0]} × ${w.input_size[1]}` : w.input_size.join(" × ")],
      ["Format", w.format],
      ["Size", bytes(w.file_size)],
      ["SHA-256", h("code", { className: "cvs-sha", title: w.sha256 }, w.sha256)],
      ["Run", w.run_id === null ? "uploaded" : link(`run ${w.run_id}`, "run", w.run_id)],
    ];
    if (w.parent_id !== null) rows.push(["Fine-tuned from", link(`weight ${w.parent_id}`, "weight", w.parent_id)]);
    rows.push(["Created", new Date(w.created_at).toLocaleString()]);
    const dl = h("dl", { className: "cvs-fields" });
    for (const [k, v] of rows) dl.append(h("dt", {}, k), h("dd", { "data-field": k.toLowerCase() }, v));
    return dl;
  }

  /** A graph architecture names its model: `graph:3`, then the model's name once fetched. */
  private architecture(arch: string): HTMLElement {
    const el = h("span", {}, arch);
    const id = /^graph:(\d+)$/.exec(arch)?.[1];
    if (id) {
      this.graph ??= request<{ name: string }>(`models/${id}`);
      this.graph
        .then((m) => el.append(h("span", { className: "cvs-muted" }, ` (model graph “${m.name}”)`)))
        .catch((err: unknown) => {
          const why = err instanceof ApiError && err.status === 404 ? "its model graph was deleted" : String((err as Error).message);
          el.append(h("span", { className: "cvs-field-error" }, ` (${why})`));
        });
    }
    return el;
  }

  private metrics(w: Weight): HTMLElement {
    const entries = Object.entries(w.metrics).filter(([, v]) => typeof v === "number" || typeof v === "string");
    if (!entries.length) return h("p", { className: "cvs-muted" }, "No metrics recorded with this weight.");
    const table = h("table", { className: "cvs-table cvs-wmetrics" });
    for (const [k, v] of entries) table.append(h("tr", {}, h("th", {}, k), h("td", {}, typeof v === "number" ? figure(v) : String(v))));
    return table;
  }

  /** Another user's tags, to read. */
  private tagsOf(w: Weight): HTMLElement {
    if (!w.tags.length) return h("p", { className: "cvs-muted" }, "No tags.");
    const chips = tagChips(w.tags);
    chips.title = readOnly(w);
    return chips;
  }

  private tagsEditor(w: Weight): HTMLElement {
    const error = h("div", { className: "cvs-field-error", role: "alert" });
    const input = h("input", { type: "text", className: "cvs-tag-input", placeholder: "add a tag ⏎", maxLength: 64, "aria-label": "Add a tag" });
    const chips = w.tags.map((t) =>
      h("span", { className: "cvs-tag" }, t, h("button", { className: "cvs-tag-x", title: `Remove tag ${t}`, "data-tag": t }, "×")),
    );
    const save = async (tags: string[]) => {
      input.disabled = true;
      try {
        this.render(await request<Weight>(`weights/${w.id}`, { method: "PATCH", json: { tags } }));
        this.studio.emit("weights");
        this.node.querySelector<HTMLInputElement>(".cvs-tag-input")?.focus();
      } catch (err) {
        input.disabled = false;
        error.textContent = err instanceof ApiError ? err.about("tags") || err.message : String(err);
      }
    };
    input.addEventListener("keydown", (e) => {
      const tag = input.value.trim().replace(/,$/, "");
      if ((e.key === "Enter" || e.key === ",") && tag) {
        e.preventDefault();
        void save([...w.tags, tag]);
      } else if (e.key === "Backspace" && !input.value && w.tags.length) {
        void save(w.tags.slice(0, -1));
      }
    });
    const box = h("div", { className: "cvs-tags-editor" }, ...chips, input);
    box.addEventListener("click", (e) => {
      const x = (e.target as HTMLElement).closest<HTMLElement>(".cvs-tag-x");
      if (x) void save(w.tags.filter((t) => t !== x.dataset.tag));
      else input.focus();
    });
    return h("div", {}, box, error);
  }

  private async remove(): Promise<void> {
    const w = this.weight;
    if (!w) return;
    const answer = await showDialog({
      title: "Delete weight",
      body: `Delete ${w.name} v${w.version} (${bytes(w.file_size)}) from the library? Its file is removed.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: "Delete" })],
    });
    if (!answer.button.accept) return;
    try {
      await request(`weights/${w.id}`, { method: "DELETE" });
    } catch (err) {
      this.error.textContent = err instanceof Error ? err.message : String(err);
      return;
    }
    this.studio.emit("weights");
    const tabId = Studio.tabId("weight", w.id);
    for (const tab of this.studio.app.shell.widgets("main")) if (tab.id === tabId) tab.close();
  }

  dispose(): void {
    this.predictor.dispose();
    super.dispose();
  }
}
