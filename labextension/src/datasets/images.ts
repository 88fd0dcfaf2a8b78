// The thumbnail grid of a dataset tab (filters by split, class and defect kind; paging)
// and the full-image viewer it opens.
import { Page, request } from "../api";
import { h } from "../dom";
import { colourOf, drawImage } from "../draw/boxes";
import { Studio } from "../studio";
import { Dataset, ImageItem, Issue, Stats, boxesOf, kindLabel, message, num, plural } from "./types";

/** The defect filter: "" all images, "any" images with any defect, else one issue kind. */
export interface Filters {
  split: string;
  classId: string;
  defect: string;
}

/** Runs `fn` over `items`, at most `limit` at a time (thumbnails: the browser queues the rest anyway). */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function basename(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

/** What an image shows: its label (classification) or its boxes (detection). */
function caption(item: ImageItem, classification: boolean): string {
  if (classification) return item.label_name ?? "unlabelled";
  const n = item.annotations.length;
  return n ? plural(n, "box") : "no boxes";
}

/** Issue kinds that leave nothing to show; such images are not requested. */
const UNREADABLE = new Set(["missing_file", "corrupt_image"]);

function unreadableIssue(item: ImageItem): { kind: string; detail: string } | undefined {
  return item.issues?.find((i) => UNREADABLE.has(i.kind));
}

/** Draws `item` (thumbnail or full size) into `canvas` with its boxes; the error as text. */
export async function drawItem(
  canvas: HTMLCanvasElement,
  datasetId: number,
  item: ImageItem,
  size: "thumb" | "full",
  classes: string[],
): Promise<string | null> {
  const unreadable = unreadableIssue(item);
  if (unreadable) {
    canvas.dataset.drawn = "error";
    return unreadable.detail;
  }
  try {
    const blob = await request<Blob>(`datasets/${datasetId}/images/${item.id}`, { query: { size } });
    const dims = { width: item.width ?? 0, height: item.height ?? 0 };
    await drawImage(canvas, blob, dims, boxesOf(item.annotations), classes, blob.type);
    if (canvas.dataset.drawn !== "1") return "The browser cannot decode this image.";
    // upscaled small images stay crisp instead of blurred
    canvas.classList.toggle("cvs-ds-pixelated", canvas.width < 96);
    return null;
  } catch (err) {
    canvas.dataset.drawn = "error";
    return message(err);
  }
}

export class ImageBrowser {
  readonly node: HTMLElement;
  /** the images of the page shown */
  items: ImageItem[] = [];
  offset = 0;
  total = 0;
  private readonly filters: Filters = { split: "", classId: "", defect: "" };
  private readonly split: HTMLSelectElement;
  private readonly classSelect: HTMLSelectElement;
  private readonly defect: HTMLSelectElement;
  private readonly grid = h("ul", { className: "cvs-ds-grid", "aria-label": "Images" });
  private readonly range = h("span", { className: "cvs-ds-range" });
  private readonly prev = h("button", { className: "cvs-button", title: "Previous page" }, "‹");
  private readonly next = h("button", { className: "cvs-button", title: "Next page" }, "›");
  private readonly error = h("div", { className: "cvs-field-error", role: "alert" });
  private readonly classification: boolean;
  /** the page size of the page shown */
  private size = 0;
  private ticket = 0;

  constructor(
    private readonly studio: Studio,
    private readonly dataset: Dataset,
    private readonly stats: Stats,
    private readonly viewer: Viewer,
    /** told the page shown, after each load */
    private readonly onPage: (items: ImageItem[]) => void,
  ) {
    this.classification = dataset.task === "classification";
    const option = (value: string, label: string) => h("option", { value }, label);
    this.split = h(
      "select",
      { name: "split", "aria-label": "Split" },
      option("", "All splits"),
      ...Object.entries(stats.splits).map(([s, n]) => option(s, `${s} (${num(n)})`)),
    );
    this.classSelect = h(
      "select",
      { name: "class", "aria-label": "Class" },
      option("", "All classes"),
      ...stats.classes.map((c) => option(String(c.id), `${c.name} (${num(c.images)})`)),
    );
    const kinds = Object.entries(stats.issue_counts).filter(([, n]) => n > 0);
    this.defect = h(
      "select",
      { name: "defect", "aria-label": "Defect kind" },
      option("", "All images"),
      option("any", "Any defect"),
      ...kinds.map(([k, n]) => option(k, `${kindLabel(k)} (${num(n)})`)),
    );
    this.defect.disabled = !kinds.length;
    for (const [select, key] of [
      [this.split, "split"],
      [this.classSelect, "classId"],
      [this.defect, "defect"],
    ] as const) {
      select.addEventListener("change", () => void this.filter({ [key]: select.value }));
    }
    this.prev.addEventListener("click", () => void this.turn(-1));
    this.next.addEventListener("click", () => void this.turn(1));
    this.grid.addEventListener("click", (e) => this.onPick(e));
    this.grid.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        this.onPick(e);
      }
    });
    this.node = h(
      "div",
      { className: "cvs-ds-browser" },
      h(
        "div",
        { className: "cvs-ds-filters" },
        this.split,
        this.classSelect,
        this.defect,
        h("span", { className: "cvs-ds-pager" }, this.prev, this.range, this.next),
      ),
      this.error,
      this.grid,
    );
  }

  /** Changes some filters, back to the first page. */
  async filter(change: Partial<Filters>, offset = 0): Promise<void> {
    Object.assign(this.filters, change);
    this.split.value = this.filters.split;
    this.classSelect.value = this.filters.classId;
    this.defect.value = this.filters.defect;
    this.offset = offset;
    await this.load();
  }

  /** Follows a change of the thumbnails-per-page setting. */
  async settingsChanged(): Promise<void> {
    if (this.size && this.size !== this.studio.settings.pageSize) await this.filter({});
  }

  async turn(pages: number): Promise<void> {
    const size = this.studio.settings.pageSize;
    const offset = this.offset + pages * size;
    if (offset < 0 || offset >= this.total) return;
    this.offset = offset;
    await this.load();
  }

  async load(): Promise<void> {
    const ticket = ++this.ticket;
    const size = this.studio.settings.pageSize;
    this.size = size;
    const { split, classId, defect } = this.filters;
    this.grid.classList.add("cvs-ds-loading");
    let page: Page<ImageItem>;
    try {
      // The defect filter asks the server: `issue=<kind>` gives exactly the images with a
      // defect of that kind and `has_issues=true` those with any, both paged like the rest,
      // where the stats' `issues` list would be truncated on a large dataset.
      page = await request<Page<ImageItem>>(`datasets/${this.dataset.id}/images`, {
        query: {
          split: split || undefined,
          class_id: classId || undefined,
          has_issues: defect === "any" ? true : undefined,
          issue: defect && defect !== "any" ? defect : undefined,
          offset: this.offset,
          limit: size,
        },
      });
    } catch (err) {
      if (ticket === this.ticket) {
        this.error.textContent = message(err);
        this.grid.classList.remove("cvs-ds-loading");
      }
      return;
    }
    if (ticket !== this.ticket) return;
    this.error.textContent = "";
    this.grid.classList.remove("cvs-ds-loading");
    this.items = page.items;
    this.total = page.total;
    this.range.textContent = page.total
      ? `${num(this.offset + 1)}–${num(this.offset + page.items.length)} of ${num(page.total)}`
      : "no images";
    this.prev.disabled = this.offset === 0;
    this.next.disabled = this.offset + size >= page.total;
    const cells = page.items.map((item, i) => this.cell(item, i));
    const out = document.createDocumentFragment();
    for (const [li] of cells) out.append(li);
    if (!page.items.length) out.append(h("li", { className: "cvs-ds-none" }, "No images match these filters."));
    this.grid.replaceChildren(out);
    this.onPage(page.items);
    await eachLimited(cells, 6, async ([li, canvas, item]) => {
      if (ticket !== this.ticket) return;
      const failed = await drawItem(canvas, this.dataset.id, item, "thumb", this.dataset.classes);
      if (failed) {
        const note = h("span", { className: "cvs-ds-frame-msg", title: failed }, "cannot show");
        li.querySelector(".cvs-ds-frame")?.append(note);
      }
    });
  }

  private cell(item: ImageItem, index: number): [HTMLLIElement, HTMLCanvasElement, ImageItem] {
    const canvas = h("canvas", { width: 1, height: 1 });
    const label = caption(item, this.classification);
    const colour = this.classification && item.label_name ? colourOf(item.label_name, this.dataset.classes) : "";
    const issues = item.issues || [];
    const li = h(
      "li",
      {
        className: "cvs-ds-thumb",
        tabIndex: 0,
        role: "button",
        "data-image-id": item.id,
        "data-file": item.file,
        "data-index": index,
        title: `${item.file}\n${item.width ?? "?"}×${item.height ?? "?"} px · ${item.split}`,
      },
      h("div", { className: "cvs-ds-frame" }, canvas),
      h(
        "div",
        { className: "cvs-ds-caption" },
        h("span", { className: "cvs-ds-label" }, colour ? h("i", { style: `background:${colour}` }) : "", label),
        h("span", { className: "cvs-ds-file" }, basename(item.file)),
      ),
      issues.length
        ? h(
            "span",
            { className: "cvs-ds-badge", title: issues.map((i) => `${kindLabel(i.kind)}: ${i.detail}`).join("\n") },
            `⚠ ${issues.length}`,
          )
        : "",
    );
    return [li, canvas, item];
  }

  private onPick(e: Event): void {
    const li = (e.target as HTMLElement).closest<HTMLElement>("li.cvs-ds-thumb");
    if (li) this.viewer.open(this, Number(li.dataset.index));
  }

  /** Shows the image of a defect: the grid filtered to its kind, at its page, and the image. */
  async showIssue(issue: Issue): Promise<void> {
    if (issue.image_id == null) return;
    const id = issue.image_id;
    // the images of one kind come ordered by id; the stats list gives the page (when whole)
    const ids = [...new Set(this.stats.issues.filter((i) => i.kind === issue.kind).map((i) => i.image_id ?? -1))]
      .filter((i) => i >= 0)
      .sort((a, b) => a - b);
    const size = this.studio.settings.pageSize;
    const at = Math.max(0, ids.indexOf(id));
    await this.filter({ split: "", classId: "", defect: issue.kind }, Math.floor(at / size) * size);
    const index = this.items.findIndex((i) => i.id === id);
    if (index >= 0) this.viewer.open(this, index);
    else {
      // not on the computed page (a truncated list): the image alone, without its boxes
      const file = issue.image || `image ${id}`;
      this.viewer.show({ id, file, split: "", width: null, height: null, annotations: [] });
    }
  }
}

/** The full image over the tab: file name, size, boxes; ‹ › walk through the grid's pages. */
export class Viewer {
  readonly node: HTMLElement;
  private readonly box: HTMLElement;
  private readonly file = h("span", { className: "cvs-ds-viewer-file" });
  private readonly position = h("span", { className: "cvs-ds-viewer-pos" });
  private readonly stage = h("div", { className: "cvs-ds-stage" });
  private readonly facts = h("div", { className: "cvs-ds-viewer-facts" });
  private readonly issues = h("ul", { className: "cvs-ds-viewer-issues" });
  private readonly prev = h("button", { className: "cvs-button", title: "Previous image (←)" }, "‹");
  private readonly next = h("button", { className: "cvs-button", title: "Next image (→)" }, "›");
  private readonly augment = h("button", { className: "cvs-button" }, "Augment this image");
  private browser: ImageBrowser | null = null;
  private index = 0;
  private item: ImageItem | null = null;
  private ticket = 0;

  constructor(
    private readonly dataset: Dataset,
    /** "Augment this image" */
    private readonly onAugment: (item: ImageItem) => void,
  ) {
    const close = h("button", { className: "cvs-button", title: "Close (Esc)" }, "✕");
    const augment = this.augment;
    close.addEventListener("click", () => this.close());
    augment.addEventListener("click", () => {
      if (this.item) this.onAugment(this.item);
      this.close();
    });
    this.prev.addEventListener("click", () => void this.step(-1));
    this.next.addEventListener("click", () => void this.step(1));
    this.box = h(
      "div",
      { className: "cvs-ds-viewer-box" },
      h("div", { className: "cvs-ds-viewer-head" }, this.file, this.position, this.prev, this.next, close),
      this.stage,
      h("div", { className: "cvs-ds-viewer-info" }, this.facts, augment),
      this.issues,
    );
    this.node = h(
      "div",
      {
        className: "cvs-ds-viewer",
        role: "dialog",
        "aria-modal": "true",
        "aria-label": "Image",
        tabIndex: -1,
        hidden: true,
      },
      this.box,
    );
    // a click beside the picture closes it, like JupyterLab's dialogs
    this.node.addEventListener("click", (e) => e.target === this.node && this.close());
    this.node.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.close();
      else if (e.key === "ArrowLeft") void this.step(-1);
      else if (e.key === "ArrowRight") void this.step(1);
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
  }

  /** Opens image `index` of the browser's page. */
  open(browser: ImageBrowser, index: number): void {
    this.browser = browser;
    this.index = index;
    const item = browser.items[index];
    if (item) this.show(item);
  }

  /** Shows `item`; a slower earlier image never replaces it (each show has its ticket). */
  show(item: ImageItem): void {
    const ticket = ++this.ticket;
    this.item = item;
    this.node.hidden = false;
    this.node.dataset.imageId = String(item.id);
    this.file.textContent = item.file;
    this.file.title = item.file;
    const b = this.browser;
    const at = b && b.items[this.index]?.id === item.id ? b.offset + this.index : -1;
    this.position.textContent = at >= 0 ? `${num(at + 1)} / ${num(b!.total)}` : "";
    this.prev.disabled = at <= 0;
    this.next.disabled = at < 0 || at + 1 >= b!.total;
    const boxes = item.annotations.filter((a) => a.bbox).length;
    const parts = [
      item.width && item.height ? `${item.width}×${item.height} px` : "size unknown",
      this.dataset.task === "classification" ? `label: ${item.label_name ?? "none"}` : plural(boxes, "box"),
      item.split ? `split: ${item.split}` : "",
    ];
    this.facts.textContent = parts.filter(Boolean).join(" · ");
    this.issues.replaceChildren(
      ...(item.issues || []).map((i) => h("li", {}, h("b", {}, kindLabel(i.kind)), ` ${i.detail}`)),
    );
    // a fresh canvas: the previous picture is gone at once, whatever arrives when
    const canvas = h("canvas", { width: 1, height: 1, "data-image-id": item.id });
    this.stage.replaceChildren(canvas);
    this.stage.classList.add("cvs-ds-loading");
    this.node.focus();
    const unreadable = unreadableIssue(item);
    this.augment.disabled = !!unreadable;
    void drawItem(canvas, this.dataset.id, item, "full", this.dataset.classes).then((failed) => {
      if (ticket !== this.ticket) return;
      this.stage.classList.remove("cvs-ds-loading");
      // an unreadable file's reason is in the issue list below
      const text = unreadable ? `This image cannot be shown: ${kindLabel(unreadable.kind)}.` : failed;
      if (text) this.stage.append(h("p", { className: "cvs-error" }, text));
    });
  }

  close(): void {
    this.ticket++;
    this.node.hidden = true;
    this.stage.replaceChildren();
    this.item = null;
  }

  /** The next or previous image, across the grid's pages. */
  private async step(delta: number): Promise<void> {
    const b = this.browser;
    if (!b || this.node.hidden) return;
    let index = this.index + delta;
    if (index < 0 || index >= b.items.length) {
      const before = b.offset;
      await b.turn(delta);
      if (b.offset === before) return;
      index = delta > 0 ? 0 : b.items.length - 1;
    }
    this.open(b, index);
  }
}
