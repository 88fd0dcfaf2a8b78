// What every panel shares: the app, opening tabs, a small event bus between the
// sections, and the user's settings for the extension.
import { JupyterFrontEnd } from "@jupyterlab/application";
import { MainAreaWidget } from "@jupyterlab/apputils";
import { Widget } from "@lumino/widgets";

export type Kind = "dataset" | "run" | "weight";

/** Changes one section tells the others about (a run completed: the weights list grows). */
export type Topic = "datasets" | "runs" | "weights" | "models" | "settings";

export interface LabSettings {
  /** seconds between system samples on the System section's socket */
  systemInterval: number;
  /** thumbnails per page in a dataset tab */
  pageSize: number;
  /** how many log lines a run tab keeps */
  logLines: number;
}

export const DEFAULT_SETTINGS: LabSettings = { systemInterval: 2, pageSize: 48, logLines: 200 };

export type TabFactory = (studio: Studio, id: number) => Widget & { dispose(): void };

export class Studio {
  readonly settings: LabSettings = { ...DEFAULT_SETTINGS };
  private readonly factories = new Map<string, TabFactory>();
  private readonly listeners = new Map<Topic, Set<(detail?: unknown) => void>>();

  constructor(readonly app: JupyterFrontEnd) {}

  /** The id of a kind's tab: `cvstudio-<kind>-<id>` (stable, for outside tests). */
  static tabId(kind: string, id: number | string): string {
    return `cvstudio-${kind}-${id}`;
  }

  register(kind: string, factory: TabFactory): void {
    this.factories.set(kind, factory);
  }

  /** Opens the tab of `kind` `id` in the main area, or brings the open one forward. */
  open(kind: string, id: number): Widget | undefined {
    const factory = this.factories.get(kind);
    return factory && this.show(Studio.tabId(kind, id), () => factory(this, id));
  }

  /** Shows the main-area tab `tabId`, making its content with `make` if it is not open. */
  show(tabId: string, make: () => Widget): Widget {
    for (const w of this.app.shell.widgets("main")) {
      if (w.id === tabId) {
        this.app.shell.activateById(tabId);
        return w;
      }
    }
    const content = make();
    const tab = new MainAreaWidget({ content });
    tab.id = tabId;
    tab.title.label = content.title.label || tabId;
    tab.title.caption = content.title.caption;
    tab.title.closable = true;
    content.title.changed.connect(() => {
      tab.title.label = content.title.label;
      tab.title.caption = content.title.caption;
    });
    this.app.shell.add(tab, "main");
    this.app.shell.activateById(tabId);
    return tab;
  }

  on(topic: Topic, listener: (detail?: unknown) => void): () => void {
    const set = this.listeners.get(topic) || new Set();
    set.add(listener);
    this.listeners.set(topic, set);
    return () => set.delete(listener);
  }

  emit(topic: Topic, detail?: unknown): void {
    for (const listener of this.listeners.get(topic) || []) listener(detail);
  }
}
