// A dataset's main-area tab: what it is (and whose, when another user shared it), its
// statistics as figures, its defects, the thumbnail grid with filters and the full
// image, and the augmentation preview.
import { Widget } from "@lumino/widgets";

import { ApiError, request } from "../api";
import { h, pill, progressBar } from "../dom";
import { studioIcon } from "../icon";
import { share, sharedTag, withOwner } from "../share";
import { Studio } from "../studio";
import { AugmentPanel } from "./augment";
import { ImageBrowser, Viewer } from "./images";
import { StatsView } from "./stats";
import { Dataset, Issue, Stats, kindLabel, message, num, plural, versioned } from "./types";

const NEW_RUN = "cvstudio:new-run";
/** issues listed in the defects panel; the counts above it cover them all */
const MAX_ISSUES = 500;

export class DatasetTab extends Widget {
  private statsView: StatsView | null = null;
  private browser: ImageBrowser | null = null;
  private viewer: Viewer | null = null;
  private readonly page = h("div", { className: "cvs-ds-page" });
  private readonly head = h("header", { className: "cvs-ds-head" });
  private readonly content = h("div", { className: "cvs-ds-content" });
  private readonly unsubscribe: (() => void)[] = [];
  private readonly themeWatch: MutationObserver;
  /** `updated_at` of the dataset the figures and the grid were built for */
  private builtFor: string | null = null;
  private pollTimer = 0;
  private frame = 0;
  private ticket = 0;
  private contentTicket = 0;

  constructor(
    readonly studio: Studio,
    readonly itemId: number,
  ) {
    super();
    this.addClass("cvs-ds-tab");
    this.title.label = `Dataset ${itemId}`;
    this.title.icon = studioIcon;
    this.page.append(this.head, this.content);
    this.node.append(this.page);
    this.unsubscribe.push(
      studio.on("datasets", () => void this.load(false)),
      studio.on("settings", () => void this.browser?.settingsChanged()),
    );
    // canvas colours come from the theme's variables: a theme change redraws the charts
    this.themeWatch = new MutationObserver(() => this.redraw());
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name"] });
    void this.load(true);
  }

  dispose(): void {
    if (this.isDisposed) return;
    window.clearTimeout(this.pollTimer);
    cancelAnimationFrame(this.frame);
    this.themeWatch.disconnect();
    for (const off of this.unsubscribe) off();
    super.dispose();
  }

  protected onResize(): void {
    this.redraw();
  }

  protected onAfterShow(): void {
    this.redraw();
  }

  private redraw(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.statsView?.redraw());
  }

  /**
   * Reads the dataset; the figures and the grid are (re)built the first time it is ready,
   * whenever its contents changed (`updated_at`) and on ↻, not on a rename elsewhere.
   */
  private async load(first: boolean): Promise<void> {
    const ticket = ++this.ticket;
    window.clearTimeout(this.pollTimer);
    let d: Dataset;
    try {
      d = await request<Dataset>(`datasets/${this.itemId}`);
    } catch (err) {
      if (ticket !== this.ticket) return;
      const gone = err instanceof ApiError && err.status === 404;
      const text = gone ? "This dataset no longer exists." : message(err);
      this.head.replaceChildren(h("h2", {}, this.title.label), h("p", { className: "cvs-error" }, text));
      if (gone) {
        this.builtFor = null;
        this.content.replaceChildren();
      }
      return;
    }
    if (ticket !== this.ticket) return;
    this.title.label = withOwner(versioned(d), d);
    this.title.caption = `${d.name}: ${d.format} ${d.task}, ${plural(d.num_images, "image")}\n${d.path}`;
    this.renderHead(d);
    if (d.status === "indexing") {
      // the sidebar polls the list; this tab follows its own dataset while it is open
      this.pollTimer = window.setTimeout(() => void this.load(false), 1000);
      if (first || this.builtFor !== "indexing") {
        this.builtFor = "indexing";
        const note = "The figures and images appear once indexing finishes.";
        this.content.replaceChildren(h("p", { className: "cvs-ds-muted" }, note));
      }
      return;
    }
    if (d.status === "error") {
      this.builtFor = null;
      this.content.replaceChildren();
      return;
    }
    if (first || this.builtFor !== d.updated_at) await this.loadContent(d);
  }

  private renderHead(d: Dataset): void {
    const facts: [string, string][] = [
      ["format", d.format],
      ["task", d.task],
      ["version", String(d.version ?? 1)],
      ...((d.lineage ?? []).length ? [["made by", (d.lineage ?? []).map((step) => step.op).join(" then ")] as [string, string]] : []),
      ["images", num(d.num_images)],
      [d.task === "classification" ? "labels" : "boxes", num(d.num_annotations)],
      ["classes", num(d.classes.length)],
      ...Object.entries(d.splits).map(([s, n]): [string, string] => [s, num(n)]),
    ];
    const train = h("button", { className: "cvs-button cvs-primary", title: "Train a model on this dataset" }, "New run…");
    train.disabled = d.status !== "ready";
    train.addEventListener("click", () => void this.studio.app.commands.execute(NEW_RUN, { dataset_id: d.id }));
    const refresh = h("button", { className: "cvs-button", title: "Read the dataset again" }, "↻");
    refresh.addEventListener("click", () => void this.load(true));
    // another user's dataset is read-only here: no Share…
    const title = "Let other users read it and train on it";
    const sharing = d.shared ? null : h("button", { className: "cvs-button", title, onclick: () => void share("dataset", d.id, d.name) }, "Share…");
    this.head.replaceChildren(
      h(
        "div",
        { className: "cvs-ds-title" },
        h("h2", {}, versioned(d)),
        sharedTag(d),
        pill(d.status),
        h("span", { className: "cvs-ds-spacer" }),
        refresh,
        sharing,
        train,
      ),
      h(
        "dl",
        { className: "cvs-ds-facts" },
        ...facts.flatMap(([k, v]) => [h("div", {}, h("dt", {}, k), h("dd", {}, v))]),
      ),
      h("div", { className: "cvs-ds-path", title: d.path }, d.path),
    );
    if (d.status === "indexing") {
      const pct = Math.round((d.progress ?? 0) * 100);
      const bar = progressBar(d.progress ?? 0);
      this.head.append(h("div", { className: "cvs-ds-indexing" }, bar, h("span", {}, `indexing ${pct}%`)));
    }
    if (d.status === "error") this.head.append(h("p", { className: "cvs-error" }, d.error || "Indexing failed."));
  }

  private async loadContent(d: Dataset): Promise<void> {
    const ticket = ++this.contentTicket;
    this.builtFor = d.updated_at;
    let stats: Stats;
    try {
      stats = await request<Stats>(`datasets/${d.id}/stats`);
    } catch (err) {
      if (ticket !== this.contentTicket) return;
      this.builtFor = null;
      this.content.replaceChildren(h("p", { className: "cvs-error" }, message(err)));
      return;
    }
    if (ticket !== this.contentTicket) return;
    this.viewer?.node.remove();
    const augment = new AugmentPanel(d);
    const viewer = new Viewer(d, (item) => {
      augment.setImage(item);
      augmentBox.scrollIntoView({ block: "nearest", behavior: "smooth" });
      void augment.preview();
    });
    const browser = new ImageBrowser(this.studio, d, stats, viewer, (items) => {
      if (!augment.hasImage() && items.length) augment.setImage(items[0]);
    });
    this.viewer = viewer;
    this.browser = browser;
    this.statsView = new StatsView(stats, d.task, d.classes, (classId) => {
      void browser.filter({ classId: String(classId) });
      browser.node.scrollIntoView({ block: "start", behavior: "smooth" });
    });
    const augmentBox = h("section", { className: "cvs-ds-panel" }, h("h3", {}, "Augmentation preview"), augment.node);
    this.content.replaceChildren(
      h("section", { className: "cvs-ds-panel cvs-ds-overview" }, h("h3", {}, "Statistics"), this.statsView.node),
      h(
        "div",
        { className: "cvs-ds-columns" },
        h("section", { className: "cvs-ds-panel cvs-ds-images" }, h("h3", {}, "Images"), browser.node),
        h("aside", { className: "cvs-ds-side" }, this.defects(stats, browser), augmentBox),
      ),
    );
    this.node.append(viewer.node);
    this.redraw();
    await browser.load();
  }

  private defects(stats: Stats, browser: ImageBrowser): HTMLElement {
    const kinds = Object.entries(stats.issue_counts).filter(([, n]) => n > 0);
    const total = kinds.reduce((a, [, n]) => a + n, 0);
    const box = h(
      "section",
      { className: "cvs-ds-panel cvs-ds-defects" },
      h("h3", {}, "Defects ", h("span", { className: "cvs-count" }, String(total))),
    );
    if (!total) {
      box.append(h("p", { className: "cvs-ds-clean" }, "✓ No defects found."));
      return box;
    }
    const chips = h("div", { className: "cvs-ds-kinds" });
    for (const [kind, n] of kinds) {
      const chip = h(
        "button",
        { className: "cvs-ds-kind", "data-kind": kind, title: `Show the images with ${kindLabel(kind)}` },
        `${kindLabel(kind)} `,
        h("b", {}, String(n)),
      );
      chip.addEventListener("click", () => void browser.filter({ split: "", classId: "", defect: kind }));
      chips.append(chip);
    }
    const list = h("ul", { className: "cvs-ds-issues" });
    for (const issue of stats.issues.slice(0, MAX_ISSUES)) list.append(this.issueRow(issue, browser));
    box.append(chips, list);
    if (stats.issues_truncated || stats.issues.length > MAX_ISSUES) {
      const shown = Math.min(MAX_ISSUES, stats.issues.length);
      const note = `Showing the first ${shown} issues; filter the grid by kind to see every image.`;
      box.append(h("p", { className: "cvs-ds-muted" }, note));
    }
    return box;
  }

  private issueRow(issue: Issue, browser: ImageBrowser): HTMLLIElement {
    const body = [
      h("span", { className: "cvs-ds-issue-kind" }, kindLabel(issue.kind)),
      h("span", { className: "cvs-ds-issue-file" }, issue.image || ""),
      h("span", { className: "cvs-ds-issue-detail" }, issue.detail),
    ];
    if (issue.image_id == null) return h("li", { className: "cvs-ds-issue" }, ...body);
    const props = { className: "cvs-ds-issue", title: "Show this image", "data-image-id": issue.image_id };
    const button = h("button", props, ...body);
    button.addEventListener("click", () => void browser.showIssue(issue));
    return h("li", {}, button);
  }
}
