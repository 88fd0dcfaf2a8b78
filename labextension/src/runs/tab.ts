// A run's tab: status, progress and ETA, the controls, live curves, the log tail, the
// checkpoints, and the evaluation once the run completes. Events come from the run's
// socket (replayed after `since` on every reconnect); every metric series is kept whole
// and redrawn, downsampled, at most four times a second.
import { Widget } from "@lumino/widgets";

import { ApiError, Socket, request } from "../api";
import { Chart, GROUPS, Series, chartBox } from "../draw/chart";
import { Column } from "../draw/downsample";
import { bytes, duration, figure, h, progressBar } from "../dom";
import { Studio } from "../studio";
import { Run, bestText } from "./section";
import { modelSection } from "./model";

/** One event of the run's socket. */
export interface RunEvent {
  seq?: number;
  type: "log" | "metric" | "status" | "checkpoint" | string;
  time?: string;
  data: Record<string, unknown>;
}

interface Checkpoint {
  name: string;
  kind: string;
  epoch: number;
  step: number;
  size: number;
  created_at: string | null;
  metrics?: Record<string, number | null>;
}

const REDRAW_MS = 250;
const WITH_WEIGHT = new Set(["completed", "stopped"]);
const NOT_SERIES = new Set(["epoch", "step", "time"]);
/** checkpoint table columns aligned right */
const NUMERIC = new Set(["epoch", "step", "size"]);

class Curve {
  readonly x = new Column();
  readonly y = new Column();
}

export class RunTab extends Widget {
  private run: Run | null = null;
  private status = "";
  private epoch = 0;
  private epochs = 0;
  private step = 0;
  private lastSeq = 0;
  // for the ETA: steps per epoch from the last epoch's record, the pace since the last
  // status change (a pause or a restart is not counted as training time)
  private stepsPerEpoch = 0;
  private paceFrom: { time: string; step: number } | null = null;
  private paceTo: { time: string; step: number } | null = null;

  private readonly curves = new Map<string, Curve>();
  private readonly charts = new Map<string, { chart: Chart; keys: string[] }>();
  /** steps at which epochs ended: the charts' epoch marks */
  private readonly epochEnds = new Column();
  private markedEpoch = 0;
  private logLines: { level: string; text: string; time?: string }[] = [];
  private logShown = 0;
  private dirty = false;
  private timer = 0;
  private frame = 0;
  private lastDraw = 0;
  private refreshTimer = 0;
  private checkpointTimer = 0;
  private evaluated = false;
  /** the names of the run's dataset and graph model, looked up once */
  private names: { dataset?: string; model?: string } | null = null;
  /** status events seen: a stored run fetched before the latest one is older news */
  private statusEvents = 0;
  private readonly socket: Socket;
  private readonly themeWatch = new MutationObserver(() => this.schedule());

  private readonly heading = h("h2", {});
  private readonly badge = h("span", { className: "cvs-pill" });
  private readonly about = h("div", { className: "cvs-run-about" });
  private readonly where = h("span", { className: "cvs-run-epoch" });
  private readonly bar = progressBar(0);
  private readonly eta = h("span", { className: "cvs-run-eta" });
  private readonly best = h("span", { className: "cvs-run-best" });
  private readonly failure = h("div", { className: "cvs-error cvs-run-failure" });
  private readonly message = h("div", { className: "cvs-run-message", role: "status" });
  private readonly pause = this.button("Pause", "Pause at the next step; resume later", () => this.control("pause"));
  private readonly resume = this.button("Resume", "Go on from the last checkpoint", () => this.control("resume"));
  private readonly more = h("input", {
    type: "number",
    min: 1,
    step: 1,
    className: "cvs-run-more",
    placeholder: "total epochs",
    title: "Resume with this many epochs in all (optional)",
    "aria-label": "Epochs in all when resuming",
  });
  private readonly stop = this.button("Stop", "Stop the run; its best checkpoint goes to the weight library", () =>
    this.control("stop"),
  );
  private readonly checkpoint = this.button("Checkpoint now", "Write a checkpoint at the next step", () =>
    this.checkpointNow(),
  );
  private readonly chartArea = h("div", { className: "cvs-run-charts" });
  private readonly noCurves = h("div", { className: "cvs-muted" }, "Curves appear with the first training steps.");
  private readonly log = h("div", { className: "cvs-run-log", tabIndex: 0, "aria-label": "Log" });
  private readonly checkpoints = h("div", { className: "cvs-run-checkpoints" });
  private readonly evaluation = h("section", { className: "cvs-run-evaluation", hidden: true });

  constructor(
    readonly studio: Studio,
    readonly itemId: number,
  ) {
    super();
    this.addClass("cvs-tab");
    this.addClass("cvs");
    this.addClass("cvs-run-tab");
    this.title.label = `Run ${itemId}`;
    this.title.caption = `Training run ${itemId}`;
    this.node.dataset.status = "";
    const controls = h(
      "div",
      { className: "cvs-run-controls" },
      this.pause,
      h("span", { className: "cvs-run-resume" }, this.resume, this.more),
      this.stop,
      this.checkpoint,
    );
    this.node.append(
      h("header", { className: "cvs-run-head" }, this.heading, this.badge),
      this.about,
      h("div", { className: "cvs-run-progress" }, this.where, this.bar, this.eta, this.best),
      this.failure,
      controls,
      this.message,
      h("h3", {}, "Curves"),
      this.noCurves,
      this.chartArea,
      this.evaluation,
      h(
        "div",
        { className: "cvs-run-columns" },
        h("section", {}, h("h3", {}, "Log"), this.log),
        h("section", {}, h("h3", {}, "Checkpoints"), this.checkpoints),
      ),
    );
    this.controls();
    void this.refresh();
    void this.loadCheckpoints();
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name"] });
    this.socket = new Socket(
      () => `ws/training/${itemId}?since=${this.lastSeq}`,
      (m) => this.feed(m as unknown as RunEvent),
    );
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.socket.close();
    this.themeWatch.disconnect();
    window.clearTimeout(this.timer);
    window.clearTimeout(this.refreshTimer);
    window.clearTimeout(this.checkpointTimer);
    cancelAnimationFrame(this.frame);
    super.dispose();
  }

  /** Takes one event of the run (the socket calls this; a benchmark may too). */
  feed(event: RunEvent): void {
    if (typeof event.seq === "number") {
      if (event.seq <= this.lastSeq) return; // seen before a reconnect
      this.lastSeq = event.seq;
    }
    const data = event.data || {};
    if (event.type === "metric") this.metric(data, event.time);
    else if (event.type === "log") {
      this.logLines.push({ level: String(data.level || "info"), text: String(data.message ?? ""), time: event.time });
      if (this.logLines.length > 2 * this.keepLines()) this.trimLog();
    } else if (event.type === "status") this.statusEvent(data);
    else if (event.type === "checkpoint") {
      window.clearTimeout(this.checkpointTimer);
      this.checkpointTimer = window.setTimeout(() => void this.loadCheckpoints(), 300);
    }
    this.schedule();
  }

  /** Draws now what has changed (the scheduled redraw; a benchmark may time it). */
  redraw(): void {
    this.dirty = false;
    this.lastDraw = performance.now();
    this.drawHead();
    this.drawLog();
    this.drawCharts();
  }

  protected onAfterShow(): void {
    if (this.dirty) this.schedule();
  }

  /** A canvas keeps its pixel size: a new width or theme needs a redraw. */
  protected onResize(): void {
    this.schedule();
  }

  private metric(data: Record<string, unknown>, time?: string): void {
    const step = Number(data.step);
    if (!Number.isFinite(step)) return;
    for (const [key, value] of Object.entries(data)) {
      if (NOT_SERIES.has(key)) continue;
      if (value !== null && typeof value !== "number") continue;
      let curve = this.curves.get(key);
      if (!curve) {
        curve = new Curve();
        this.curves.set(key, curve);
      }
      curve.x.push(step);
      curve.y.push(value === null ? NaN : value); // null: a diverged (NaN) loss, drawn as a gap
    }
    this.step = Math.max(this.step, step);
    const epoch = Number(data.epoch);
    if (Number.isFinite(epoch)) {
      this.epoch = Math.max(this.epoch, epoch);
      // an epoch's record (validation or the epoch's mean loss) comes as the epoch ends
      if (epoch > 0 && ("val_loss" in data || "train_loss_epoch" in data)) {
        this.stepsPerEpoch = step / epoch;
        if (epoch > this.markedEpoch) {
          this.epochEnds.push(step);
          this.markedEpoch = epoch;
        }
      }
    }
    if (time) {
      if (!this.paceFrom) this.paceFrom = { time, step };
      else this.paceTo = { time, step };
    }
  }

  private statusEvent(data: Record<string, unknown>): void {
    const status = String(data.status || "");
    this.statusEvents++;
    if (status) this.setStatus(status);
    if (typeof data.epochs === "number") this.epochs = data.epochs;
    if (typeof data.epoch === "number") this.epoch = data.epoch;
    if (typeof data.step === "number") this.step = Math.max(this.step, data.step);
    if (typeof data.error === "string") this.failure.textContent = data.error;
    this.paceFrom = null;
    this.paceTo = null;
    // the stored run has the name, the best figure and the statuses no event carries
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(() => void this.refresh(), 400);
    if (status === "completed") void this.loadEvaluation();
  }

  private setStatus(status: string): void {
    this.status = status;
    this.markStatus();
    this.controls();
  }

  /** `data-status` on the content and on the tab (`#cvstudio-run-<id>`), for outside tests. */
  private markStatus(): void {
    this.node.dataset.status = this.status;
    this.parent?.node.setAttribute("data-status", this.status);
  }

  protected onAfterAttach(): void {
    this.markStatus();
  }

  private async refresh(): Promise<void> {
    const seen = this.statusEvents;
    let run: Run;
    try {
      run = await request<Run>(`training/${this.itemId}`);
    } catch (e) {
      this.say((e as Error).message, true);
      return;
    }
    this.take(run, seen);
  }

  /**
   * The stored run, fetched when `seen` status events had arrived. Its status wins, except
   * over a newer event, and while a finished run's weight is still being stored (the
   * events say completed, the run still says running).
   */
  private take(run: Run, seen: number): void {
    const first = this.run === null;
    this.run = run;
    this.title.label = `Run ${run.id}: ${run.name}`;
    this.title.caption = `Training run ${run.id}: ${run.name} (${run.status})`;
    this.epochs = run.epochs || this.epochs;
    this.epoch = Math.max(this.epoch, run.epoch);
    const storing = WITH_WEIGHT.has(this.status) && (run.status === "running" || run.status === "stopping");
    if (seen === this.statusEvents && !storing) this.setStatus(run.status);
    if (run.error) this.failure.textContent = run.error;
    else if (run.status !== "failed") this.failure.textContent = "";
    if (first && run.status === "completed") void this.loadEvaluation();
    if (first) void this.lookUpNames(run);
    if (first && run.model.source === "graph") this.about.after(modelSection(run.model.model_id));
    this.describe();
    this.schedule();
  }

  private async lookUpNames(run: Run): Promise<void> {
    const name = async (path: string) => (await request<{ name: string }>(path)).name;
    const [dataset, model] = await Promise.allSettled([
      name(`datasets/${run.dataset_id}`),
      run.model.source === "graph" ? name(`models/${run.model.model_id}`) : Promise.resolve(run.model.name),
    ]);
    // a deleted dataset or model is still named by its id
    this.names = {
      dataset: dataset.status === "fulfilled" ? dataset.value : undefined,
      model: model.status === "fulfilled" ? model.value : undefined,
    };
    this.describe();
  }

  /** What the run trains on what: its model, dataset (a link), settings and weight (a link). */
  private describe(): void {
    const run = this.run;
    if (!run) return;
    const link = (text: string, title: string, open: () => void) =>
      h("button", { className: "cvs-link", title, onclick: open }, text);
    const model =
      run.model.source === "graph"
        ? `graph model “${this.names?.model ?? run.model.model_id}”`
        : run.model.name;
    const hp = run.hyperparameters;
    const dataset = this.names?.dataset ? `“${this.names.dataset}”` : `#${run.dataset_id}`;
    const parts: (Node | string)[] = [
      `${run.task} · ${model} on `,
      link(`dataset ${dataset}`, "Open the dataset", () => this.studio.open("dataset", run.dataset_id)),
    ];
    const settings = [`batch ${hp.batch_size ?? "default"}`];
    if (typeof hp.lr === "number") settings.push(`lr ${figure(hp.lr)}`);
    if (hp.optimizer) settings.push(String(hp.optimizer));
    if (run.resources?.device) settings.push(`device ${run.resources.device}`);
    parts.push(` · ${settings.join(" · ")}`);
    if (run.weight_id !== null && run.weight_id !== undefined) {
      const id = run.weight_id;
      const open = () => this.studio.open("weight", id);
      parts.push(" · ", link(`weight #${id}`, "Open the weight this run added to the library", open));
    }
    this.about.replaceChildren(...parts);
  }

  private schedule(): void {
    this.dirty = true;
    if (this.timer || this.frame) return;
    const wait = Math.max(0, this.lastDraw + REDRAW_MS - performance.now());
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        if (this.dirty && this.isVisible) this.redraw();
      });
    }, wait);
  }

  private button(label: string, title: string, onClick: () => void): HTMLButtonElement {
    return h("button", { className: "cvs-button", title, onclick: onClick }, label);
  }

  private controls(): void {
    const s = this.status;
    // a starting worker pauses or stops at its first step
    this.pause.disabled = !["starting", "running"].includes(s);
    this.resume.disabled = !["paused", "interrupted", "stopped"].includes(s);
    this.more.disabled = this.resume.disabled;
    this.stop.disabled = !["queued", "starting", "running", "paused", "interrupted"].includes(s);
    this.checkpoint.disabled = s !== "running";
  }

  private say(text: string, error = false): void {
    this.message.textContent = text;
    this.message.classList.toggle("cvs-error", error);
  }

  private async control(action: "pause" | "resume" | "stop"): Promise<void> {
    const json: { action: string; epochs?: number } = { action };
    if (action === "resume" && this.more.value !== "") json.epochs = Number(this.more.value);
    this.say("");
    const seen = this.statusEvents;
    try {
      const run = await request<Run>(`training/${this.itemId}/control`, { method: "POST", json });
      this.take(run, seen);
      if (action === "resume") {
        this.more.value = "";
        this.evaluated = false;
      }
    } catch (e) {
      this.say((e as Error).message, true);
    }
  }

  private async checkpointNow(): Promise<void> {
    this.say("");
    try {
      await request(`training/${this.itemId}/checkpoint`, { method: "POST" });
      this.say("A checkpoint is written at the next step.");
    } catch (e) {
      this.say((e as Error).message, true);
    }
  }

  private drawHead(): void {
    const run = this.run;
    this.heading.textContent = run ? `Run ${run.id}: ${run.name}` : `Run ${this.itemId}`;
    const s = this.status || "…";
    this.badge.className = `cvs-pill cvs-status-${s}`;
    this.badge.dataset.status = s;
    this.badge.textContent = s;
    const epochs = this.epochs || run?.epochs || 0;
    this.where.textContent = `epoch ${this.epoch}/${epochs}${this.step ? ` · step ${this.step}` : ""}`;
    const total = this.stepsPerEpoch * epochs;
    let f = total ? this.step / total : epochs ? Math.max(0, this.epoch - 1) / epochs : 0;
    if (this.status === "completed") f = 1;
    f = Math.max(0, Math.min(1, f));
    this.bar.setAttribute("aria-valuenow", String(Math.round(f * 100)));
    (this.bar.firstElementChild as HTMLElement).style.width = `${f * 100}%`;
    this.eta.textContent = this.etaText(total);
    const best = bestText(run?.best);
    this.best.textContent = best ? `best ${best}${run?.best?.epoch ? ` (epoch ${run.best.epoch})` : ""}` : "";
  }

  /** Nothing until an epoch has ended and a few steps were timed: no nonsense early on. */
  private etaText(totalSteps: number): string {
    if (this.status === "starting") return "the worker is loading PyTorch…";
    if (this.status !== "running" || !totalSteps || !this.paceFrom || !this.paceTo) return "";
    const steps = this.paceTo.step - this.paceFrom.step;
    const seconds = (Date.parse(this.paceTo.time) - Date.parse(this.paceFrom.time)) / 1000;
    if (steps < 5 || !(seconds > 0)) return "";
    const left = ((totalSteps - this.paceTo.step) * seconds) / steps;
    return left > 0 ? `about ${duration(left)} left` : "";
  }

  private keepLines(): number {
    return Math.max(1, this.studio.settings.logLines);
  }

  /** Keeps the last lines only; the count of those shown follows. */
  private trimLog(): void {
    const dropped = this.logLines.length - this.keepLines();
    if (dropped <= 0) return;
    this.logLines = this.logLines.slice(dropped);
    this.logShown = Math.max(0, this.logShown - dropped);
  }

  private drawLog(): void {
    const keep = this.keepLines();
    this.trimLog();
    const fresh = this.logLines.slice(this.logShown);
    if (!fresh.length && this.log.childElementCount <= keep) return;
    const follow = this.log.scrollTop + this.log.clientHeight >= this.log.scrollHeight - 8;
    const fragment = document.createDocumentFragment();
    for (const line of fresh) {
      const when = line.time ? new Date(line.time).toLocaleTimeString([], { hour12: false }) : "";
      const stamp = h("span", { className: "cvs-log-time" }, when);
      fragment.append(h("div", { className: `cvs-log-${line.level}` }, stamp, line.text));
    }
    this.log.append(fragment);
    while (this.log.childElementCount > keep) this.log.firstElementChild?.remove();
    this.logShown = this.logLines.length;
    if (follow) this.log.scrollTop = this.log.scrollHeight;
  }

  private drawCharts(): void {
    const names = [...this.curves.keys()];
    const groups = GROUPS.map(([title, test]) => ({ title, keys: names.filter(test) })).filter((g) => g.keys.length);
    const same =
      groups.length === this.charts.size &&
      groups.every((g) => this.charts.get(g.title)?.keys.join() === g.keys.join());
    if (!same) {
      // a new series (the first validation): the charts are made again, keeping their settings
      const before = new Map([...this.charts].map(([title, c]) => [title, c.chart.options]));
      this.charts.clear();
      this.chartArea.replaceChildren(
        ...groups.map((g) => {
          const chart = new Chart(g.title, before.get(g.title) || { log: g.title !== "metrics" });
          this.charts.set(g.title, { chart, keys: g.keys });
          return chart.box;
        }),
      );
    }
    for (const g of groups) {
      const entry = this.charts.get(g.title);
      if (!entry) continue;
      entry.chart.update(this.series(g.keys), this.epochEnds.view());
      entry.chart.draw();
    }
    this.noCurves.hidden = groups.length > 0;
  }

  private series(keys: string[]): Series[] {
    return keys.map((name) => {
      const c = this.curves.get(name) as Curve;
      return { name, x: c.x.view(), y: c.y.view(), total: c.x.length };
    });
  }

  private async loadCheckpoints(): Promise<void> {
    let items: Checkpoint[];
    try {
      items = (await request<{ items: Checkpoint[] }>(`training/${this.itemId}/checkpoints`)).items;
    } catch (e) {
      this.checkpoints.replaceChildren(h("div", { className: "cvs-error" }, (e as Error).message));
      return;
    }
    if (!items.length) {
      this.checkpoints.replaceChildren(h("div", { className: "cvs-muted" }, "No checkpoints yet."));
      return;
    }
    const written = items.some((c) => c.created_at);
    const rows = items.map((c) => {
      const main = Object.entries(c.metrics || {}).find(([k]) => k === "val_accuracy" || k === "val_map");
      return h(
        "tr",
        {},
        h("td", {}, c.name, " ", h("span", { className: `cvs-kind cvs-kind-${c.kind}` }, c.kind)),
        h("td", { className: "cvs-num" }, String(c.epoch ?? "")),
        h("td", { className: "cvs-num" }, String(c.step ?? "")),
        h("td", {}, main ? `${main[0]} ${figure(main[1])}` : ""),
        h("td", { className: "cvs-num" }, typeof c.size === "number" ? bytes(c.size) : ""),
        written && h("td", { title: c.created_at || "" }, c.created_at ? new Date(c.created_at).toLocaleTimeString() : ""),
      );
    });
    const head = ["checkpoint", "epoch", "step", "metric", "size", ...(written ? ["written"] : [])];
    this.checkpoints.replaceChildren(
      h(
        "table",
        { className: "cvs-table" },
        h("thead", {}, h("tr", {}, ...head.map((t) => h("th", { className: NUMERIC.has(t) ? "cvs-num" : "" }, t)))),
        h("tbody", {}, ...rows),
      ),
    );
  }

  /** Once the run has completed; evaluation.json is written before that status. */
  private async loadEvaluation(): Promise<void> {
    if (this.evaluated) return;
    this.evaluated = true;
    try {
      const evaluation = await request<Evaluation>(`training/${this.itemId}/evaluation`);
      this.evaluation.replaceChildren(...renderEvaluation(evaluation));
    } catch (e) {
      // a 409 of a completed run: it had nothing to evaluate on (no validation images)
      const missing = e instanceof ApiError && e.status === 409;
      const text = missing ? `No evaluation for this run. ${(e as Error).message}` : (e as Error).message;
      const note = h("div", { className: missing ? "cvs-muted" : "cvs-error" }, text);
      this.evaluation.replaceChildren(h("h3", {}, "Evaluation"), note);
    }
    this.evaluation.hidden = false;
  }
}

interface ClassScores {
  class_name: string;
  precision?: number;
  recall?: number;
  f1?: number;
  support?: number;
  ap50?: number;
  ap?: number;
}

interface Evaluation {
  task?: string;
  split?: string;
  checkpoint?: string;
  accuracy?: number;
  map?: number;
  map50?: number;
  classes?: string[];
  confusion_matrix?: number[][];
  per_class?: ClassScores[];
  pr_curves?: Record<string, { recall: number[]; precision: number[] }>;
}

const COLUMN: Partial<Record<keyof ClassScores, string>> = { ap50: "AP@0.5", ap: "AP@0.5:0.95" };

function scoreTable(columns: (keyof ClassScores)[], rows: ClassScores[]): HTMLTableElement {
  return h(
    "table",
    { className: "cvs-table cvs-scores" },
    h(
      "thead",
      {},
      h("tr", {}, h("th", {}, "class"), ...columns.map((c) => h("th", { className: "cvs-num" }, COLUMN[c] ?? c))),
    ),
    h(
      "tbody",
      {},
      ...rows.map((r) =>
        h("tr", {}, h("td", {}, r.class_name), ...columns.map((c) => h("td", { className: "cvs-num" }, figure(r[c])))),
      ),
    ),
  );
}

/** Rows: the true class; columns: the predicted one; shaded by the share of the row. */
function confusionGrid(classes: string[], matrix: number[][]): HTMLElement {
  const head = h(
    "tr",
    {},
    h("th", { className: "cvs-cm-corner" }, "true \\ predicted"),
    ...classes.map((c) => h("th", { className: "cvs-cm-col", title: c }, h("span", {}, c))),
  );
  const body = matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return h(
      "tr",
      {},
      h("th", { className: "cvs-cm-row", title: classes[i] }, classes[i] ?? String(i)),
      ...row.map((n, j) => {
        const share = total ? n / total : 0;
        const cell = h("td", {
          className: `cvs-cm-cell${share > 0.55 ? " cvs-cm-strong" : ""}${i === j ? " cvs-cm-diag" : ""}`,
          title: `true ${classes[i]}, predicted ${classes[j]}: ${n} (${Math.round(share * 100)}% of ${classes[i]})`,
        });
        cell.style.setProperty("--cvs-share", `${Math.round(share * 100)}%`);
        cell.textContent = String(n);
        return cell;
      }),
    );
  });
  return h("div", { className: "cvs-cm" }, h("table", {}, h("thead", {}, head), h("tbody", {}, ...body)));
}

/** The final evaluation: classification's confusion matrix and scores, detection's AP and PR curves. */
function renderEvaluation(ev: Evaluation): Node[] {
  const where = `on the ${ev.split ?? "validation"} split${ev.checkpoint ? `, with ${ev.checkpoint}` : ""}`;
  const out: Node[] = [h("h3", {}, "Evaluation")];
  const perClass = ev.per_class || [];
  if (ev.task === "detection" || "map" in ev) {
    out.push(h("p", { className: "cvs-run-summary" }, `mAP ${figure(ev.map)} · mAP@0.5 ${figure(ev.map50)} ${where}`));
    const grid = h("div", { className: "cvs-run-eval-grid" }, scoreTable(["ap50", "ap"], perClass));
    const curves = Object.entries(ev.pr_curves || {}).map(([name, c]) => ({ name, x: c.recall, y: c.precision }));
    if (curves.length) {
      const chart = chartBox("precision / recall at IoU 0.5", curves, "recall");
      // the legend names each class with its AP (a curve's last point says nothing)
      const ap = new Map(perClass.map((c) => [c.class_name, c.ap50]));
      chart.querySelectorAll(".cvs-key").forEach((key, k) => {
        const name = curves[k].name;
        key.textContent = ap.has(name) ? `${name} · AP@0.5 ${figure(ap.get(name))}` : name;
      });
      grid.append(chart);
    }
    out.push(grid);
  } else {
    const classes = ev.classes || perClass.map((c) => c.class_name);
    out.push(h("p", { className: "cvs-run-summary" }, `accuracy ${figure(ev.accuracy)} ${where}`));
    const grid = h("div", { className: "cvs-run-eval-grid" });
    if (ev.confusion_matrix) {
      grid.append(h("div", {}, h("h4", {}, "Confusion matrix"), confusionGrid(classes, ev.confusion_matrix)));
    }
    grid.append(h("div", {}, h("h4", {}, "Per class"), scoreTable(["precision", "recall", "f1", "support"], perClass)));
    out.push(grid);
  }
  return out;
}
