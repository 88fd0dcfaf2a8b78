// The user's datasets in the sidebar: register a folder by path, upload a zip with a
// progress bar, rename, share, delete. Datasets other users shared are listed "shared by
// <owner>" and offer none of those three. Datasets being indexed are re-read every
// second until they settle; nothing is polled otherwise.
import { Dialog, showDialog } from "@jupyterlab/apputils";
import { deleteIcon, editIcon, shareIcon } from "@jupyterlab/ui-components";
import { Widget } from "@lumino/widgets";

import { ApiError, all, request, upload } from "../api";
import { bytes, h, listRow, pill, progressBar } from "../dom";
import { Section } from "../section";
import { share, sharedTag } from "../share";
import { Studio } from "../studio";
import { ZIP_TYPES, freeName, register } from "./actions";
import { Dataset, isUploadRequest, message, summary, versioned } from "./types";

export class DatasetsSection extends Section {
  private readonly list = h("ul", { className: "cvs-list cvs-ds-list", "aria-label": "Datasets" });
  private readonly uploads = h("ul", { className: "cvs-list cvs-ds-uploads", "aria-label": "Uploads" });
  private readonly pathInput = h("input", {
    type: "text",
    className: "cvs-ds-path-input",
    placeholder: "Folder to register…",
    title: "A folder on the server, relative to the file browser's root (data/shapes) or absolute",
    "aria-label": "Folder to register as a dataset",
  });
  private readonly pathError = h("div", { className: "cvs-field-error", role: "alert" });
  private readonly registerButton = h("button", { type: "submit", className: "cvs-button" }, "Register");
  private readonly fileInput = h("input", {
    type: "file",
    accept: ZIP_TYPES,
    hidden: true,
    "data-cvstudio-upload": "dataset",
  });
  /** one toolbar (rename, share, delete), moved into the user's own row under the pointer or focus */
  private readonly tools = h("span", { className: "cvs-ds-tools" });
  private datasets = new Map<number, Dataset>();
  private loading = 0;
  private pollTimer = 0;
  /** the row to point out after the next render (a dataset just added) */
  private highlight = -1;

  constructor(studio: Studio) {
    super(studio, "Datasets");
    this.addClass("cvs-ds-section");
    this.addAction("⤒", "Upload a zip archive of a dataset", () => this.fileInput.click());
    this.addAction("↻", "Refresh the datasets", () => void this.refresh());

    const form = h(
      "form",
      { className: "cvs-ds-register" },
      h("div", { className: "cvs-ds-register-row" }, this.pathInput, this.registerButton),
      this.pathError,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.registerPath();
    });
    this.pathInput.addEventListener("input", () => (this.pathError.textContent = ""));
    this.fileInput.addEventListener("change", () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = "";
      if (file) void this.upload(file);
    });

    for (const [act, icon, title] of [
      ["rename", editIcon, "Rename (F2)"],
      ["share", shareIcon, "Share…"],
      ["delete", deleteIcon, "Delete… (Del)"],
    ] as const) {
      const b = h("button", { className: "cvs-ds-tool", title, "aria-label": title, "data-act": act });
      b.append(icon.element({ tag: "span", elementSize: "small" }));
      this.tools.append(b);
    }

    this.body.append(form, this.fileInput, this.uploads, this.list);
    this.list.addEventListener("click", (e) => this.onClick(e));
    this.list.addEventListener("keydown", (e) => this.onKey(e));
    this.list.addEventListener("mouseover", (e) => this.showTools(e.target));
    this.list.addEventListener("focusin", (e) => this.showTools(e.target));

    studio.on("datasets", (detail) => {
      if (isUploadRequest(detail)) void this.upload(detail.upload);
      else void this.refresh();
    });
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const ticket = ++this.loading;
    try {
      const { items } = await all<Dataset>("datasets");
      if (ticket !== this.loading) return;
      this.render(items);
      this.say("");
    } catch (err) {
      if (ticket === this.loading) this.say(message(err), true);
    }
    if (ticket === this.loading) this.schedulePoll();
  }

  /** Opening the sidebar shows datasets made meanwhile elsewhere (a notebook, the API). */
  protected onAfterShow(): void {
    void this.refresh();
  }

  dispose(): void {
    window.clearTimeout(this.pollTimer);
    super.dispose();
  }

  private render(items: Dataset[]): void {
    this.datasets = new Map(items.map((d) => [d.id, d]));
    const out = document.createDocumentFragment();
    for (const d of items) out.append(this.row(d));
    if (!items.length) {
      out.append(h("li", { className: "cvs-empty" }, "No datasets yet: register a folder above, or upload a zip (⤒)."));
    }
    this.list.replaceChildren(out);
    this.setCount(items.length);
    const fresh = this.rowOf(this.highlight);
    if (fresh) {
      fresh.classList.add("cvs-ds-new");
      fresh.scrollIntoView({ block: "nearest" });
      this.highlight = -1;
    }
  }

  private row(d: Dataset): HTMLLIElement {
    const tag = sharedTag(d);
    const li = listRow(
      "dataset",
      d.id,
      h("span", { className: "cvs-row-title", title: `${versioned(d)}\n${d.path}` }, versioned(d)),
      ...(tag ? [tag] : []),
      pill(d.status),
      h("span", { className: `cvs-row-sub${d.status === "error" ? " cvs-error" : ""}`, title: summary(d) }, summary(d)),
    );
    if (tag) li.classList.add("cvs-row-shared");
    if (d.status === "indexing" && typeof d.progress === "number") li.append(progressBar(d.progress));
    return li;
  }

  private rowOf(id: number): HTMLElement | null {
    return this.list.querySelector<HTMLElement>(`li.cvs-row[data-cvstudio-id="${id}"]`);
  }

  /**
   * Puts one dataset's fresh state into its row. A progress tick changes the row in
   * place, so a click on a row that is being indexed is never lost to a swapped node.
   */
  private replaceRow(d: Dataset): void {
    const before = this.datasets.get(d.id);
    this.datasets.set(d.id, d);
    const old = this.rowOf(d.id);
    if (!old) return;
    const sub = old.querySelector<HTMLElement>(".cvs-row-sub");
    const fill = old.querySelector<HTMLElement>(".cvs-progress > div");
    if (before?.status === d.status && before.name === d.name && sub && fill && !old.querySelector("input")) {
      sub.textContent = sub.title = summary(d);
      fill.style.width = `${(d.progress ?? 0) * 100}%`;
      fill.parentElement!.setAttribute("aria-valuenow", String(Math.round((d.progress ?? 0) * 100)));
      return;
    }
    const li = this.row(d);
    const focused = old.contains(document.activeElement);
    old.replaceWith(li);
    if (focused) li.focus();
  }

  // ---- indexing: re-read just the datasets that are indexing, once a second

  private schedulePoll(): void {
    window.clearTimeout(this.pollTimer);
    const ids = [...this.datasets.values()].filter((d) => d.status === "indexing").map((d) => d.id);
    if (ids.length) this.pollTimer = window.setTimeout(() => void this.poll(ids), 1000);
  }

  private async poll(ids: number[]): Promise<void> {
    const ticket = this.loading;
    const results = await Promise.allSettled(ids.map((id) => request<Dataset>(`datasets/${id}`)));
    if (ticket !== this.loading) return; // a full refresh came in between and polls by itself
    let settled = false;
    for (const r of results) {
      if (r.status === "fulfilled") {
        this.replaceRow(r.value);
        settled ||= r.value.status !== "indexing";
      } else if (r.reason instanceof ApiError && r.reason.status === 404) {
        settled = true; // deleted meanwhile
      } else {
        this.say(message(r.reason), true);
      }
    }
    // the others (a dataset tab, the run form) learn that a dataset became usable
    if (settled) this.studio.emit("datasets");
    else this.schedulePoll();
  }

  // ---- register a folder, upload a zip

  private async registerPath(): Promise<void> {
    const path = this.pathInput.value.trim();
    if (!path) {
      this.pathError.textContent = "Type the path of a folder on the server.";
      this.pathInput.focus();
      return;
    }
    this.registerButton.disabled = true;
    this.pathError.textContent = "";
    try {
      const dataset = await register(path);
      this.pathInput.value = "";
      this.highlight = dataset.id;
      this.studio.emit("datasets");
    } catch (err) {
      this.pathError.textContent = message(err);
    } finally {
      this.registerButton.disabled = false;
    }
  }

  /** Uploads `file` with a progress row above the list; the new dataset's row replaces it. */
  async upload(file: File): Promise<void> {
    if (this.parent?.id) this.studio.app.shell.activateById(this.parent.id);
    this.node.classList.remove("cvs-collapsed");
    const bar = progressBar(0);
    const fill = bar.firstElementChild as HTMLElement;
    const state = h("span", { className: "cvs-ds-upload-state" }, "0%");
    const sub = h("span", { className: "cvs-row-sub" }, `${bytes(file.size)} zip`);
    const close = h("button", { className: "cvs-ds-tool", title: "Cancel the upload" }, "✕");
    const li = h(
      "li",
      { className: "cvs-ds-upload", "data-file": file.name },
      h("span", { className: "cvs-row-title", title: file.name }, `⤒ ${file.name}`),
      h("span", { className: "cvs-ds-upload-end" }, state, close),
      sub,
      bar,
    );
    this.uploads.append(li);
    const fail = (err: unknown) => {
      li.classList.add("cvs-ds-failed");
      state.textContent = "failed";
      sub.textContent = message(err);
      sub.classList.add("cvs-error");
      bar.remove();
      close.title = "Dismiss";
      close.onclick = () => li.remove();
    };
    let name: string;
    try {
      name = await freeName(file.name.replace(/\.zip$/i, "") || "dataset");
    } catch (err) {
      fail(err);
      return;
    }
    sub.textContent = `${bytes(file.size)} zip → “${name}”`;
    const job = upload<Dataset>("datasets/upload", { name }, file, (fraction) => {
      fill.style.width = `${fraction * 100}%`;
      bar.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
      state.textContent = fraction < 1 ? `${Math.round(fraction * 100)}%` : "unpacking…";
    });
    close.onclick = () => job.abort();
    try {
      const dataset = await job.done;
      li.remove();
      this.highlight = dataset.id;
      this.studio.emit("datasets");
    } catch (err) {
      fail(err);
    }
  }

  // ---- a row's actions: open, rename, share, delete

  private showTools(target: EventTarget | null): void {
    const li = (target as HTMLElement).closest?.<HTMLElement>("li.cvs-row");
    if (!li || this.tools.parentElement === li || li.querySelector("input")) return;
    // another user's dataset is theirs to change: its row offers no tools
    if (this.datasets.get(Number(li.dataset.cvstudioId))?.shared) this.tools.remove();
    else li.append(this.tools);
  }

  private datasetOf(target: EventTarget | null): [HTMLElement, Dataset] | null {
    const li = (target as HTMLElement).closest<HTMLElement>("li.cvs-row");
    const d = li && this.datasets.get(Number(li.dataset.cvstudioId));
    return li && d ? [li, d] : null;
  }

  private onClick(e: MouseEvent): void {
    const target = e.target as HTMLElement;
    if (target.closest("input")) return;
    const found = this.datasetOf(target);
    if (!found) return;
    const act = target.closest<HTMLElement>(".cvs-ds-tool")?.dataset.act;
    if (act === "rename") this.rename(...found);
    else if (act === "share") void share("dataset", found[1].id, found[1].name);
    else if (act === "delete") void this.remove(found[1]);
    else this.studio.open("dataset", found[1].id);
  }

  private onKey(e: KeyboardEvent): void {
    if ((e.target as HTMLElement).closest("input, button")) return;
    const found = this.datasetOf(e.target);
    if (!found) return;
    const own = !found[1].shared;
    if (e.key === "Enter" || e.key === " ") this.studio.open("dataset", found[1].id);
    else if (e.key === "F2" && own) this.rename(...found);
    else if (e.key === "Delete" && own) void this.remove(found[1]);
    else return;
    e.preventDefault();
  }

  /** An inline edit of the name: Enter or leaving the field saves, Escape cancels. */
  private rename(li: HTMLElement, d: Dataset): void {
    const title = li.querySelector(".cvs-row-title");
    if (!title) return;
    const input = h("input", { className: "cvs-ds-rename", value: d.name, "aria-label": `New name of ${d.name}` });
    const error = h("span", { className: "cvs-row-sub cvs-error", role: "alert" });
    this.tools.remove();
    title.replaceWith(input);
    li.append(error);
    input.focus();
    input.select();
    let busy = false;
    const finish = async (save: boolean) => {
      const name = input.value.trim();
      if (busy || !input.isConnected) return;
      if (!save || !name || name === d.name) {
        li.replaceWith(this.row(d));
        return;
      }
      busy = true;
      input.disabled = true;
      try {
        const renamed = await request<Dataset>(`datasets/${d.id}`, { method: "PATCH", json: { name } });
        this.replaceRow(renamed);
        this.studio.emit("datasets");
      } catch (err) {
        error.textContent = message(err);
        input.disabled = false;
        input.focus();
      }
      busy = false;
    };
    input.addEventListener("keydown", (e) => {
      e.stopPropagation(); // the row's keys (Delete, F2) and JupyterLab's shortcuts stay out
      if (e.key === "Enter") void finish(true);
      else if (e.key === "Escape") void finish(false);
    });
    input.addEventListener("blur", () => void finish(true));
  }

  private async remove(d: Dataset): Promise<void> {
    const body = h("div", { className: "cvs-ds-confirm" }, h("p", {}, `Remove “${d.name}” from CV Studio?`));
    let withFiles: HTMLInputElement | null = null;
    if (d.managed) {
      withFiles = h("input", { type: "checkbox" });
      body.append(h("label", {}, withFiles, " Also delete the files unpacked from its upload"));
    } else {
      body.append(h("p", { className: "cvs-ds-muted" }, `Its files in ${d.path} are left as they are.`));
    }
    const result = await showDialog({
      title: "Delete dataset",
      body: new Widget({ node: body }),
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: "Delete" })],
    });
    if (!result.button.accept) return;
    try {
      await request(`datasets/${d.id}`, { method: "DELETE", query: { delete_files: withFiles?.checked || undefined } });
    } catch (err) {
      const li = this.rowOf(d.id);
      li?.append(h("span", { className: "cvs-row-sub cvs-error", role: "alert" }, message(err)));
      return;
    }
    for (const w of this.studio.app.shell.widgets("main")) {
      if (w.id === Studio.tabId("dataset", d.id)) w.close();
    }
    this.studio.emit("datasets");
  }
}
