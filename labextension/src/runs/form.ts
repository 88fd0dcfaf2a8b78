// The New Run form: dataset, model (a torchvision name or a saved graph), the
// hyperparameters with the user's defaults, resources, augmentation and a pretrained
// weight. Items other users shared are listed with their owner ("squares (alice)").
// A 4xx from the server is shown next to the field it names.
import { Widget } from "@lumino/widgets";

import { ApiError, all, request } from "../api";
import { h } from "../dom";
import { Owned, withOwner } from "../share";
import { Studio } from "../studio";
import { Run } from "./section";

export const NEW_RUN_ID = "cvstudio-new-run";

/** "(#3)", or "(alice, #3)" for alice's. */
function numbered(item: Owned & { id: number }): string {
  return item.shared ? `(${item.owner}, #${item.id})` : `(#${item.id})`;
}

interface Dataset extends Owned {
  id: number;
  name: string;
  task: string;
  status: string;
  num_images?: number;
  classes?: string[];
}

interface GraphModel extends Owned {
  id: number;
  name: string;
  graph?: { nodes?: { type: string; params?: { shape?: number[] } }[] };
}

interface Weight extends Owned {
  id: number;
  name: string;
  version: number;
  architecture: string;
  task: string;
}

interface UserConfig {
  default_device?: string;
  default_epochs?: number;
  default_batch_size?: number;
  default_image_size?: number;
}

/** torchvision builders the server knows, by task (the server checks any other name). */
const TORCHVISION: Record<string, string[]> = {
  classification: [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "mobilenet_v2", "mobilenet_v3_small",
    "mobilenet_v3_large", "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
    "efficientnet_v2_s", "convnext_tiny", "convnext_small", "regnet_y_400mf", "regnet_y_800mf",
    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "squeezenet1_1", "densenet121", "mnasnet0_5", "googlenet",
    "vgg11_bn", "vgg16_bn", "vit_b_16", "swin_t", "alexnet",
  ],
  detection: [
    "fasterrcnn_mobilenet_v3_large_320_fpn", "fasterrcnn_mobilenet_v3_large_fpn", "fasterrcnn_resnet50_fpn",
    "fasterrcnn_resnet50_fpn_v2", "retinanet_resnet50_fpn", "retinanet_resnet50_fpn_v2", "fcos_resnet50_fpn",
    "ssdlite320_mobilenet_v3_large", "ssd300_vgg16",
  ],
}; // prettier-ignore

/** Errors the server sends without a field, by code: the field they concern. */
const CODE_FIELD: Record<string, string> = {
  dataset_not_found: "dataset_id",
  dataset_not_ready: "dataset_id",
  unsupported_task: "dataset_id",
  task_mismatch: "model",
  model_not_found: "model",
  invalid_graph: "model",
  unknown_architecture: "model",
  weight_not_found: "pretrained_weight_id",
  weights_mismatch: "pretrained_weight_id",
  not_enough_gpus: "resources.gpus",
  processes_exceed_gpus: "resources.processes",
  batch_too_small: "hyperparameters.batch_size",
  unknown_transform: "augmentation",
  invalid_param: "augmentation",
  invalid_pipeline: "augmentation",
};

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

interface Field {
  control: Control;
  error: HTMLElement;
  kind: "text" | "int" | "float" | "choice" | "bool";
}

export class NewRunForm extends Widget {
  private readonly fields = new Map<string, Field>();
  private readonly form: HTMLFormElement;
  private readonly general = h("div", { className: "cvs-error cvs-form-general", role: "alert" });
  private readonly note = h("div", { className: "cvs-form-note", role: "status" });
  private readonly submit: HTMLButtonElement;
  private readonly source: HTMLSelectElement;
  private readonly torchvision: HTMLInputElement;
  private readonly graph: HTMLSelectElement;
  private readonly names = h("datalist", { id: `cvs-tv-names-${Math.random().toString(36).slice(2)}` });
  private datasets: Dataset[] = [];
  private models: GraphModel[] = [];
  private weights: Weight[] = [];
  private config: UserConfig = {};
  private nameTouched = false;

  constructor(
    readonly studio: Studio,
    readonly preset: { dataset_id?: number },
  ) {
    super();
    this.addClass("cvs-tab");
    this.addClass("cvs");
    this.addClass("cvs-run-form");
    this.title.label = "New run";
    this.title.caption = "Start a training run";

    this.source = h(
      "select",
      { "aria-label": "Model source" },
      h("option", { value: "torchvision" }, "torchvision architecture"),
      h("option", { value: "graph" }, "saved graph model"),
    );
    this.torchvision = h("input", { type: "text", placeholder: "resnet18", autocomplete: "off" });
    this.torchvision.setAttribute("list", this.names.id);
    this.graph = h("select", {});
    this.submit = h("button", { type: "submit", className: "cvs-button cvs-primary" }, "Start training");

    const model = h(
      "div",
      { className: "cvs-model-pick" },
      this.source,
      h("span", { className: "cvs-model-tv" }, this.torchvision),
      h("span", { className: "cvs-model-graph" }, this.graph),
      this.names,
    );
    this.form = h(
      "form",
      { className: "cvs-form cvs-run-fields", noValidate: true },
      this.general,
      this.note,
      this.group(
        "Run",
        this.field("name", "Name", h("input", { type: "text", placeholder: "my-run", required: true }), "text"),
        this.field("dataset_id", "Dataset", h("select", { required: true }), "int"),
        this.field("model", "Model", model, "text", this.torchvision),
      ),
      this.group(
        "Hyperparameters",
        this.number("hyperparameters.epochs", "Epochs", "int", "10", 1),
        this.number("hyperparameters.batch_size", "Batch size", "int", "16", 1),
        this.number("hyperparameters.lr", "Learning rate", "float", "by optimizer"),
        this.choice("hyperparameters.optimizer", "Optimizer", ["sgd", "adam", "adamw"], "sgd"),
        this.number("hyperparameters.momentum", "Momentum", "float", "0.9"),
        this.number("hyperparameters.weight_decay", "Weight decay", "float", "by optimizer"),
        this.choice("hyperparameters.scheduler", "Scheduler", ["cosine", "step", "none"], "cosine"),
        this.number("hyperparameters.warmup_epochs", "Warm-up epochs", "float", "0"),
        this.number("hyperparameters.image_size", "Image size (px)", "int", "the model's input"),
        this.choice("hyperparameters.amp", "Mixed precision", ["on", "off"], "on with CUDA"),
        this.number("hyperparameters.early_stopping_patience", "Early-stopping patience", "int", "0 (off)"),
        this.number("hyperparameters.seed", "Seed", "int", "42"),
        this.number("hyperparameters.val_fraction", "Val fraction (no val split)", "float", "0.2"),
      ),
      this.group(
        "Resources",
        this.field(
          "resources.device",
          "Device",
          h("select", {}, ...["auto", "cpu", "cuda"].map((d) => h("option", { value: d }, d))),
          "choice",
        ),
        this.number("resources.gpus", "GPUs", "int", "0"),
        this.number("resources.processes", "Processes (DDP)", "int", "one per GPU"),
        this.number("resources.num_workers", "Data-loader workers", "int", "0"),
      ),
      this.group(
        "Start from",
        this.field(
          "augmentation",
          "Augmentation (JSON list, optional)",
          h("textarea", {
            rows: 3,
            spellcheck: false,
            placeholder: '[{"type": "HorizontalFlip", "p": 0.5}, {"type": "RandomBrightnessContrast"}]',
          }),
          "text",
        ),
        this.field("pretrained_weight_id", "Pretrained weight (optional)", h("select", {}), "int"),
      ),
      h("div", { className: "cvs-form-actions" }, this.submit),
    );
    this.node.append(h("div", { className: "cvs-run-form-body" }, h("h2", {}, "New training run"), this.form));

    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.start();
    });
    this.torchvision.name = "model.name";
    this.graph.name = "model.model_id";
    this.source.addEventListener("change", () => this.modelChanged());
    this.graph.addEventListener("change", () => this.modelChanged());
    this.torchvision.addEventListener("change", () => this.modelChanged());
    this.control("dataset_id").addEventListener("change", () => this.datasetChanged());
    this.control("name").addEventListener("input", () => (this.nameTouched = true));
    void this.load();
  }

  /** The form's input for an API field (`hyperparameters.lr`). */
  control(field: string): Control {
    return (this.fields.get(field) as Field).control;
  }

  private group(legend: string, ...children: HTMLElement[]): HTMLFieldSetElement {
    const className = `cvs-group cvs-group-${legend.toLowerCase().replace(/\W+/g, "-")}`;
    return h("fieldset", { className }, h("legend", {}, legend), ...children);
  }

  /** A labelled field with the slot for the server's message about it. */
  private field(name: string, label: string, input: HTMLElement, kind: Field["kind"], control?: Control): HTMLElement {
    const error = h("div", { className: "cvs-field-error", "data-field": name, role: "alert" });
    const c = control || (input as Control);
    c.name = name;
    this.fields.set(name, { control: c, error, kind });
    const caption = h("span", { className: "cvs-label" }, label);
    return h("label", { className: "cvs-field", "data-field": name }, caption, input, error);
  }

  private number(name: string, label: string, kind: "int" | "float", placeholder: string, min?: number): HTMLElement {
    const input = h("input", { type: "number", step: kind === "int" ? 1 : "any", placeholder, min });
    return this.field(name, label, input, kind);
  }

  /** A select whose first option leaves the server's default. */
  private choice(name: string, label: string, options: string[], fallback: string): HTMLElement {
    const select = h(
      "select",
      {},
      h("option", { value: "" }, `default (${fallback})`),
      ...options.map((o) => h("option", { value: o }, o)),
    );
    return this.field(name, label, select, name.endsWith("amp") ? "bool" : "choice");
  }

  private async load(): Promise<void> {
    this.note.textContent = "Loading datasets, models and weights…";
    try {
      const [datasets, models, weights, config] = await Promise.all([
        all<Dataset>("datasets"),
        all<GraphModel>("models"),
        all<Weight>("weights"),
        request<UserConfig>("config"),
      ]);
      this.datasets = datasets.items.filter((d) => d.status === "ready");
      this.models = models.items;
      this.weights = weights.items;
      this.config = config;
    } catch (e) {
      this.note.textContent = "";
      this.general.textContent = (e as Error).message;
      return;
    }
    this.note.textContent = "";
    this.fillDefaults();
  }

  private fillDefaults(): void {
    const c = this.config;
    const set = (field: string, value: unknown) => {
      if (value !== undefined && value !== null) this.control(field).value = String(value);
    };
    set("hyperparameters.epochs", c.default_epochs);
    set("hyperparameters.batch_size", c.default_batch_size);
    set("hyperparameters.image_size", c.default_image_size);
    set("resources.device", c.default_device);

    const select = this.control("dataset_id") as HTMLSelectElement;
    const none = this.datasets.length ? "choose a dataset" : "no dataset is ready: register one first";
    select.replaceChildren(
      h("option", { value: "" }, none),
      ...this.datasets.map((d) =>
        h("option", { value: d.id }, `${withOwner(d.name, d)} · ${d.task}${d.num_images ? ` · ${d.num_images} images` : ""}`),
      ),
    );
    const only = this.datasets.length === 1 ? this.datasets[0] : undefined;
    const preset = this.datasets.find((d) => d.id === this.preset.dataset_id) || only;
    if (preset) select.value = String(preset.id);
    this.graph.replaceChildren(
      ...(this.models.length
        ? this.models.map((m) => h("option", { value: m.id }, `${m.name} ${numbered(m)}`))
        : [h("option", { value: "" }, "no saved graph models")]),
    );
    this.datasetChanged();
  }

  private chosenDataset(): Dataset | undefined {
    const id = Number(this.control("dataset_id").value);
    return this.datasets.find((d) => d.id === id);
  }

  private datasetChanged(): void {
    const task = this.chosenDataset()?.task || "classification";
    const names = TORCHVISION[task] || TORCHVISION.classification;
    this.names.replaceChildren(...names.map((n) => h("option", { value: n })));
    if (!this.torchvision.value || !names.includes(this.torchvision.value)) this.torchvision.value = names[0];
    // graph models are classifiers
    const graphOption = this.source.options[1];
    graphOption.disabled = task !== "classification";
    if (graphOption.disabled && this.source.value === "graph") this.source.value = "torchvision";
    this.modelChanged();
  }

  private architecture(): string {
    return this.source.value === "graph" ? `graph:${this.graph.value}` : this.torchvision.value.trim();
  }

  private modelChanged(): void {
    const graph = this.source.value === "graph";
    this.node.classList.toggle("cvs-graph-source", graph);
    // the model's control is the one the server's "model" messages go next to
    (this.fields.get("model") as Field).control = graph ? this.graph : this.torchvision;
    const size = this.control("hyperparameters.image_size") as HTMLInputElement;
    if (graph) {
      // a graph has its own input size; resizing to another one would break its layers
      const model = this.models.find((m) => String(m.id) === this.graph.value);
      const shape = model?.graph?.nodes?.find((n) => n.type === "Input")?.params?.shape;
      size.value = "";
      size.placeholder = shape && shape.length >= 3 ? `the graph's ${shape[1]}×${shape[2]}` : "the graph's input";
    } else {
      size.placeholder = "the model's input";
      if (!size.value && this.config.default_image_size) size.value = String(this.config.default_image_size);
    }
    const arch = this.architecture();
    const weights = this.weights.filter((w) => w.architecture === arch);
    const pick = this.control("pretrained_weight_id") as HTMLSelectElement;
    const kept = pick.value;
    pick.replaceChildren(
      h("option", { value: "" }, weights.length ? "none: random initialisation" : `none (no weights for ${arch || "it"})`),
      ...weights.map((w) => h("option", { value: w.id }, `${w.name} v${w.version} ${numbered(w)}`)),
    );
    if (weights.some((w) => String(w.id) === kept)) pick.value = kept;
    if (!this.nameTouched) {
      const ds = this.chosenDataset();
      const modelName = graph ? this.models.find((m) => String(m.id) === this.graph.value)?.name : arch;
      (this.control("name") as HTMLInputElement).value = ds && modelName ? `${ds.name}-${modelName}` : "";
    }
  }

  /** The request body; empty optional fields are left out. Throws a field's own message. */
  private body(): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    const put = (path: string, value: unknown) => {
      const keys = path.split(".");
      let at = body;
      for (const k of keys.slice(0, -1)) at = (at[k] ||= {}) as Record<string, unknown>;
      at[keys[keys.length - 1]] = value;
    };
    for (const [name, f] of this.fields) {
      if (name === "model" || name === "augmentation") continue;
      const raw = f.control.value.trim();
      if (raw === "") continue;
      if (f.kind === "int" || f.kind === "float") put(name, Number(raw));
      else if (f.kind === "bool") put(name, raw === "on");
      else put(name, raw);
    }
    put(
      "model",
      this.source.value === "graph"
        ? { source: "graph", model_id: this.graph.value === "" ? null : Number(this.graph.value) }
        : { source: "torchvision", name: this.torchvision.value.trim() },
    );
    const augmentation = this.control("augmentation").value.trim();
    if (augmentation) {
      let steps: unknown;
      try {
        steps = JSON.parse(augmentation);
      } catch (e) {
        const message = `Not valid JSON: ${(e as Error).message}`;
        throw new ApiError(0, "bad_json", "", [{ field: "augmentation", message }]);
      }
      if (!Array.isArray(steps)) {
        throw new ApiError(0, "bad_json", "", [
          { field: "augmentation", message: 'Give a list of steps, e.g. [{"type": "HorizontalFlip", "p": 0.5}].' },
        ]);
      }
      put("augmentation", steps);
    }
    return body;
  }

  private clear(): void {
    this.general.textContent = "";
    this.note.textContent = "";
    for (const f of this.fields.values()) {
      f.error.textContent = "";
    }
    for (const c of this.form.querySelectorAll("[aria-invalid]")) c.removeAttribute("aria-invalid");
  }

  /** Each message goes next to its field; what names no field goes on top. */
  private showError(error: ApiError): void {
    let placed = 0;
    // pipeline errors name their step, not a field
    const pipeline = error.details.some((d) => d && typeof d === "object" && ("step" in d || "steps" in d));
    const about = CODE_FIELD[error.code] || (pipeline ? "augmentation" : undefined);
    for (const [name, f] of this.fields) {
      const message = error.about(name) || (about === name ? error.message : undefined);
      if (message) {
        f.error.textContent = message;
        f.control.setAttribute("aria-invalid", "true");
        placed++;
      }
    }
    // details about something the form has no field for still need saying
    const names = [...this.fields.keys()];
    const elsewhere = error.details.filter(
      (d) => d && typeof d === "object" && d.field && !names.some((n) => new ApiError(0, "", "", [d]).about(n)),
    );
    if (!placed || elsewhere.length) this.general.textContent = error.message;
    else this.general.textContent = "Some fields need a change: see the messages next to them.";
    const first = this.form.querySelector<HTMLElement>("[aria-invalid='true']");
    first?.focus();
  }

  private async start(): Promise<void> {
    this.clear();
    let body: Record<string, unknown>;
    try {
      body = this.body();
    } catch (e) {
      this.showError(e as ApiError);
      return;
    }
    this.submit.disabled = true;
    this.note.textContent = "Starting…";
    try {
      const run = await request<Run>("training", { method: "POST", json: body });
      this.note.textContent = `Run ${run.id} (${run.name}) is queued.`;
      this.studio.emit("runs");
      this.studio.open("run", run.id);
    } catch (e) {
      this.note.textContent = "";
      if (e instanceof ApiError) this.showError(e);
      else this.general.textContent = (e as Error).message;
    } finally {
      this.submit.disabled = false;
    }
  }
}
