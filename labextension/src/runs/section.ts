// The Runs section: every run of the user, newest first, kept live by one socket
// (`ws/training`): a snapshot on (re)connect, then one message per changed run, applied
// to its row in place.
import { Socket } from "../api";
import { figure, h, listRow, pill, progressBar } from "../dom";
import { Section } from "../section";
import { Studio } from "../studio";

export interface Best {
  metric: string;
  value: number | null;
  epoch?: number;
}

export interface Run {
  id: number;
  name: string;
  task: string;
  dataset_id: number;
  model: { source: "torchvision"; name: string } | { source: "graph"; model_id: number };
  hyperparameters: Record<string, unknown>;
  resources: Record<string, unknown>;
  status: string;
  epoch: number;
  epochs: number;
  step?: number;
  progress?: number;
  best?: Best | null;
  error?: string | null;
  weight_id?: number | null;
  created_at?: string;
  started_at?: string | null;
  finished_at?: string | null;
}

/** Statuses a run ends in with a weight in the library. */
const WITH_WEIGHT = new Set(["completed", "stopped"]);

/** `val_accuracy 0.9889`, or nothing before the first evaluation. */
export function bestText(best: Best | null | undefined): string {
  return best && typeof best.value === "number" ? `${best.metric} ${figure(best.value)}` : "";
}

/** What the run has done: `progress`, else epoch over epochs. */
export function fraction(run: Run): number {
  if (typeof run.progress === "number") return run.progress;
  return run.epochs ? run.epoch / run.epochs : 0;
}

interface Row {
  run: Run;
  li: HTMLLIElement;
  title: HTMLElement;
  pill: HTMLElement;
  bar: HTMLElement;
  sub: HTMLElement;
}

export class RunsSection extends Section {
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLElement;
  private readonly rows = new Map<number, Row>();
  private readonly socket: Socket;
  private connected = false;

  constructor(studio: Studio) {
    super(studio, "Runs");
    this.addClass("cvs-runs");
    this.addAction("+ New run", "Start a training run", () => void studio.app.commands.execute("cvstudio:new-run"));
    this.list = h("ul", { className: "cvs-list cvs-run-list" });
    this.empty = h("div", { className: "cvs-empty", hidden: true }, "No runs yet. Start one with “+ New run”.");
    this.body.append(this.empty, this.list);
    const open = (e: Event) => {
      const li = (e.target as Element).closest<HTMLElement>("li.cvs-row");
      if (li) studio.open("run", Number(li.dataset.cvstudioId));
    };
    this.list.addEventListener("click", open);
    this.list.addEventListener("keydown", (e) => (e as KeyboardEvent).key === "Enter" && open(e));
    this.say("Loading runs…");
    this.socket = new Socket(
      () => "ws/training",
      (m) => this.onMessage(m),
      (open) => this.onState(open),
    );
  }

  dispose(): void {
    this.socket.close();
    super.dispose();
  }

  private onState(open: boolean): void {
    if (open) this.connected = true;
    else if (this.connected) this.say("Live updates interrupted; reconnecting…");
    else this.say("The server's run list cannot be reached; retrying…", true);
  }

  private onMessage(m: Record<string, unknown>): void {
    if (m.type === "runs") this.replace((m.data as { items: Run[] }).items);
    else if (m.type === "run") this.upsert(m.data as Run);
    else if (m.type === "deleted") this.remove((m.data as { id: number }).id);
  }

  /** A full snapshot (first connect or reconnect): the list is rebuilt in one go. */
  private replace(runs: Run[]): void {
    this.say("");
    const before = new Map([...this.rows].map(([id, row]) => [id, row.run.status]));
    this.rows.clear();
    const fragment = document.createDocumentFragment();
    for (const run of runs) fragment.append(this.make(run).li);
    this.list.replaceChildren(fragment);
    // a run that finished while the socket was away still announces its weight
    if (runs.some((r) => before.has(r.id) && this.finishedNow(before.get(r.id), r.status))) this.studio.emit("weights");
    this.counted();
  }

  private upsert(run: Run): void {
    const row = this.rows.get(run.id);
    if (!row) {
      const li = this.make(run).li;
      // newest first: before the first row with a smaller id
      let next: Element | null = this.list.firstElementChild;
      while (next && Number((next as HTMLElement).dataset.cvstudioId) > run.id) next = next.nextElementSibling;
      this.list.insertBefore(li, next);
      this.counted();
      return;
    }
    const was = row.run.status;
    row.run = run;
    this.fill(row);
    if (this.finishedNow(was, run.status)) this.studio.emit("weights");
  }

  private remove(id: number): void {
    this.rows.get(id)?.li.remove();
    this.rows.delete(id);
    this.counted();
  }

  private finishedNow(was: string | undefined, now: string): boolean {
    return was !== now && WITH_WEIGHT.has(now) && !WITH_WEIGHT.has(was || "");
  }

  private counted(): void {
    this.setCount(this.rows.size);
    this.empty.hidden = this.rows.size > 0;
  }

  private make(run: Run): Row {
    const title = h("span", { className: "cvs-row-title" });
    const badge = pill(run.status);
    const bar = progressBar(0);
    const sub = h("div", { className: "cvs-row-sub" });
    const li = listRow("run", run.id, title, badge, bar, sub);
    const row = { run, li, title, pill: badge, bar, sub };
    this.rows.set(run.id, row);
    this.fill(row);
    return row;
  }

  /** Writes the run into its row's existing nodes. */
  private fill(row: Row): void {
    const { run } = row;
    row.title.textContent = run.name;
    row.li.title = `Run ${run.id}: ${run.name} (${run.status})`;
    if (row.pill.dataset.status !== run.status) {
      row.pill.className = `cvs-pill cvs-status-${run.status}`;
      row.pill.dataset.status = run.status;
      row.pill.textContent = run.status;
    }
    const f = Math.max(0, Math.min(1, fraction(run)));
    row.bar.setAttribute("aria-valuenow", String(Math.round(f * 100)));
    (row.bar.firstElementChild as HTMLElement).style.width = `${f * 100}%`;
    const best = bestText(run.best);
    const text = `epoch ${run.epoch}/${run.epochs}${best ? ` · ${best}` : ""}`;
    const error = run.status === "failed" && run.error ? run.error : "";
    row.sub.replaceChildren(text, error ? h("span", { className: "cvs-run-error" }, ` · ${error}`) : "");
    row.sub.title = error ? `${text} · ${error}` : text;
  }
}
