// The CV Studio JupyterLab extension: the sidebar, the tabs it opens, commands in the
// palette, a launcher card, "Register as dataset" in the file browser, and settings.
import { ILabShell, ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { IDefaultFileBrowser } from "@jupyterlab/filebrowser";
import { ILauncher } from "@jupyterlab/launcher";
import { ISettingRegistry } from "@jupyterlab/settingregistry";

import { registerFolder, uploadZip } from "./datasets/actions";
import { DatasetTab } from "./datasets/tab";
import { studioIcon } from "./icon";
import { NEW_RUN_ID, NewRunForm } from "./runs/form";
import { RunTab } from "./runs/tab";
import { SIDEBAR_ID, Sidebar } from "./sidebar";
import { LabSettings, Studio } from "./studio";
import { uploadWeight } from "./weights/actions";
import { WeightTab } from "./weights/tab";

const PLUGIN_ID = "jupyter-cvstudio:plugin";
const CATEGORY = "CV Studio";

export const COMMANDS = {
  open: "cvstudio:open",
  newRun: "cvstudio:new-run",
  registerDataset: "cvstudio:register-dataset",
  uploadDataset: "cvstudio:upload-dataset",
  uploadWeight: "cvstudio:upload-weight",
  refresh: "cvstudio:refresh",
  openDataset: "cvstudio:open-dataset",
  openRun: "cvstudio:open-run",
  openWeight: "cvstudio:open-weight",
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: "CV Studio: datasets, training runs, weights and the machine in the sidebar.",
  autoStart: true,
  requires: [],
  optional: [ILabShell, ICommandPalette, ILauncher, ISettingRegistry, IDefaultFileBrowser, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    _shell: ILabShell | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    registry: ISettingRegistry | null,
    browser: IDefaultFileBrowser | null,
    restorer: ILayoutRestorer | null,
  ) => {
    const studio = new Studio(app);
    studio.register("dataset", (s, id) => new DatasetTab(s, id));
    studio.register("run", (s, id) => new RunTab(s, id));
    studio.register("weight", (s, id) => new WeightTab(s, id));
    const sidebar = new Sidebar(studio);
    app.shell.add(sidebar, "left", { rank: 850 });
    restorer?.add(sidebar, SIDEBAR_ID);

    const label = (text: string) => (args: Record<string, unknown>) => (args.isLauncher ? text : `${CATEGORY}: ${text}`);
    app.commands.addCommand(COMMANDS.open, {
      label: (args) => (args.isLauncher ? "CV Studio" : `${CATEGORY}: Open`),
      caption: "Show the CV Studio sidebar",
      icon: studioIcon,
      execute: () => app.shell.activateById(SIDEBAR_ID),
    });
    app.commands.addCommand(COMMANDS.newRun, {
      label: label("New Run"),
      caption: "Train a model on a dataset",
      icon: (args) => (args.isLauncher ? studioIcon : undefined),
      execute: (args) =>
        studio.show(NEW_RUN_ID, () => new NewRunForm(studio, { dataset_id: args.dataset_id as number | undefined })),
    });
    app.commands.addCommand(COMMANDS.registerDataset, {
      label: (args) => (args.fromBrowser ? "Register as Dataset" : `${CATEGORY}: Register Dataset…`),
      caption: "Register a folder on the server as a CV Studio dataset",
      icon: (args) => (args.fromBrowser ? studioIcon : undefined),
      execute: (args) => {
        let path = args.path as string | undefined;
        if (args.fromBrowser && browser) {
          const item = browser.selectedItems().next();
          path = item && !item.done ? item.value.path : browser.model.path;
        }
        return registerFolder(studio, path);
      },
    });
    app.commands.addCommand(COMMANDS.uploadDataset, {
      label: label("Upload Dataset Zip…"),
      caption: "Upload a zip archive of a dataset",
      execute: () => uploadZip(studio),
    });
    app.commands.addCommand(COMMANDS.uploadWeight, {
      label: label("Upload Weight…"),
      caption: "Add a .pt, .pth or .safetensors file to the weight library",
      execute: () => uploadWeight(studio),
    });
    app.commands.addCommand(COMMANDS.refresh, {
      label: label("Refresh Lists"),
      execute: () => {
        for (const topic of ["datasets", "runs", "weights"] as const) studio.emit(topic);
      },
    });
    // open a tab by id: for links between tabs, and for scripts and tests
    for (const kind of ["dataset", "run", "weight"] as const) {
      const command = COMMANDS[`open${kind[0].toUpperCase()}${kind.slice(1)}` as "openDataset" | "openRun" | "openWeight"];
      app.commands.addCommand(command, {
        label: (args) => `${CATEGORY}: Open ${kind} ${args.id ?? ""}`.trim(),
        execute: (args) => {
          studio.open(kind, Number(args.id));
        },
      });
    }
    for (const command of [COMMANDS.open, COMMANDS.newRun, COMMANDS.registerDataset, COMMANDS.uploadDataset, COMMANDS.uploadWeight, COMMANDS.refresh]) {
      palette?.addItem({ command, category: CATEGORY });
    }
    launcher?.add({ command: COMMANDS.newRun, category: CATEGORY, rank: 1, args: { isLauncher: true } });
    launcher?.add({ command: COMMANDS.open, category: CATEGORY, rank: 0, args: { isLauncher: true } });
    app.contextMenu.addItem({
      command: COMMANDS.registerDataset,
      args: { fromBrowser: true },
      selector: '.jp-DirListing-item[data-isdir="true"]',
      rank: 20,
    });

    if (registry) {
      registry
        .load(PLUGIN_ID)
        .then((loaded) => {
          const apply = () => {
            Object.assign(studio.settings, loaded.composite as unknown as LabSettings);
            studio.emit("settings");
          };
          apply();
          loaded.changed.connect(apply);
        })
        .catch((reason) => console.warn("CV Studio: settings could not be loaded", reason));
    }
  },
};

export default plugin;
