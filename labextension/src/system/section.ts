// The machine at a glance: CPU, memory, disk and every GPU over the last minute or so,
// from one socket on ws/system (the server samples once for every listener).
import { Socket } from "../api";
import { bytes, h } from "../dom";
import { drawSpark, sparkRow } from "../draw/spark";
import { Section } from "../section";
import { Studio } from "../studio";

const KEEP = 60;

interface Gpu {
  index: number;
  name: string;
  utilization: number | null;
  memory_used: number | null;
  memory_total: number | null;
  temperature: number | null;
}

interface Snapshot {
  cpu: { percent: number; count: number };
  memory: { total: number; used: number; percent: number };
  disk: { total: number; used: number; percent: number };
  gpus: Gpu[];
  runs: { running: number; queued: number };
}

/** One figure's history and the row that shows it. */
interface Series {
  values: number[];
  row: HTMLElement;
}

export class SystemSection extends Section {
  private socket: Socket | null = null;
  private interval = 0;
  private readonly series = new Map<string, Series>();
  private readonly rows = h("div", { className: "cvs-system-rows" });
  private readonly gpuNote = h("div", { className: "cvs-system-note", "data-gpus": "0" });
  private readonly theme = new MutationObserver(() => this.series.forEach((series) => series.values.length && this.draw(series)));
  private readonly runs = h("button", { className: "cvs-system-runs", title: "Show the Runs section" });

  constructor(studio: Studio) {
    super(studio, "System");
    this.body.append(this.rows, this.gpuNote, this.runs);
    this.runs.addEventListener("click", () => this.focusRuns());
    this.say("connecting…");
    this.connect();
    // canvases take their colours from the theme when drawn: redraw when it changes
    this.theme.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name"] });
    studio.on("settings", () => {
      if (studio.settings.systemInterval !== this.interval) this.connect();
    });
  }

  private connect(): void {
    this.socket?.close();
    this.interval = this.studio.settings.systemInterval;
    this.socket = new Socket(
      () => `ws/system?interval=${this.studio.settings.systemInterval}`,
      (msg) => msg.type === "system" && this.sample(msg.data as Snapshot),
      (open) => this.say(open ? "" : "reconnecting to the server…"),
    );
  }

  private sample(s: Snapshot): void {
    const figures: [string, number | null, string][] = [
      ["CPU", s.cpu.percent, `${s.cpu.count} cores`],
      ["Memory", s.memory.percent, `${bytes(s.memory.used)} of ${bytes(s.memory.total)} used`],
      ["Disk", s.disk.percent, `${bytes(s.disk.used)} of ${bytes(s.disk.total)} used (data directory)`],
    ];
    for (const g of s.gpus) {
      const temp = g.temperature === null ? "" : `, ${g.temperature} °C`;
      figures.push([`GPU ${g.index} util`, g.utilization, `${g.name}${temp}`]);
      const memory = g.memory_used !== null && g.memory_total ? (g.memory_used / g.memory_total) * 100 : null;
      const of = memory === null ? "memory not reported" : `${bytes(g.memory_used!)} of ${bytes(g.memory_total!)} used`;
      figures.push([`GPU ${g.index} mem`, memory, `${g.name}: ${of}`]);
    }
    const names = new Set(figures.map(([name]) => name));
    for (const name of [...this.series.keys()]) {
      if (!names.has(name)) {
        this.series.get(name)!.row.remove();
        this.series.delete(name);
      }
    }
    for (const [name, value, title] of figures) this.push(name, value, title);
    this.gpuNote.dataset.gpus = String(s.gpus.length);
    this.gpuNote.textContent = s.gpus.length ? "" : "no GPU";
    this.runs.textContent = `runs: ${s.runs.running} running, ${s.runs.queued} queued`;
    this.runs.dataset.running = String(s.runs.running);
    this.setCount(s.gpus.length ? `${s.gpus.length} GPU${s.gpus.length > 1 ? "s" : ""}` : "");
  }

  private push(name: string, value: number | null, title: string): void {
    let series = this.series.get(name);
    if (!series) {
      series = { values: [], row: sparkRow(name, []) };
      this.series.set(name, series);
      this.rows.append(series.row);
    }
    // a figure the driver did not report this time keeps its line flat rather than dropping to 0
    const v = value ?? series.values[series.values.length - 1];
    if (v === undefined) {
      series.row.title = `${name}: not reported`;
      return;
    }
    series.values.push(v);
    if (series.values.length > KEEP) series.values.shift();
    this.draw(series);
    series.row.querySelector(".cvs-now")!.textContent = value === null ? "–" : `${v.toFixed(0)}%`;
    series.row.title = `${name}: ${v.toFixed(1)}% (${title})`;
  }

  private draw(series: Series): void {
    const canvas = series.row.querySelector("canvas")!;
    // a line needs two points: the first sample is drawn flat across
    drawSpark(canvas, series.values.length === 1 ? [series.values[0], series.values[0]] : series.values);
    canvas.dataset.samples = String(series.values.length);
  }

  private focusRuns(): void {
    const runs = this.node.parentElement?.querySelector<HTMLElement>("[data-cvstudio-section=runs]");
    if (!runs) return;
    if (runs.classList.contains("cvs-collapsed")) runs.querySelector<HTMLElement>(".cvs-toggle")?.click();
    runs.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  dispose(): void {
    this.socket?.close();
    this.socket = null;
    this.theme.disconnect();
    super.dispose();
  }
}
