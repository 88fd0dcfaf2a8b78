// The "CV Studio" sidebar: one panel with the Datasets, Runs, Weights and System
// sections, stacked and each collapsible. Its widget id is `cvstudio-sidebar`.
import { Panel } from "@lumino/widgets";

import { DatasetsSection } from "./datasets/section";
import { studioIcon } from "./icon";
import { RunsSection } from "./runs/section";
import { Studio } from "./studio";
import { SystemSection } from "./system/section";
import { WeightsSection } from "./weights/section";

export const SIDEBAR_ID = "cvstudio-sidebar";

export class Sidebar extends Panel {
  readonly datasets: DatasetsSection;
  readonly runs: RunsSection;
  readonly weights: WeightsSection;
  readonly system: SystemSection;

  constructor(studio: Studio) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass("cvs-sidebar");
    this.addClass("cvs");
    this.title.icon = studioIcon;
    this.title.caption = "CV Studio";
    this.datasets = new DatasetsSection(studio);
    this.runs = new RunsSection(studio);
    this.weights = new WeightsSection(studio);
    this.system = new SystemSection(studio);
    for (const s of [this.datasets, this.runs, this.weights, this.system]) this.addWidget(s);
  }
}
