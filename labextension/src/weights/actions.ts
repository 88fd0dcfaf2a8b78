// "Upload a weight": a dialog that stays open while the file streams up (with progress)
// and shows the server's complaints next to the field they are about.
import { Dialog } from "@jupyterlab/apputils";
import { Widget } from "@lumino/widgets";

import { ApiError, Page, request, upload } from "../api";
import { h, progressBar } from "../dom";
import { Studio } from "../studio";
import type { Weight } from "./section";

/** Architectures the server builds (torchvision names); the field also takes any other. */
const ARCHITECTURES: Record<Weight["task"], string[]> = {
  classification: [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnext50_32x4d", "wide_resnet50_2",
    "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0", "efficientnet_b1",
    "efficientnet_b3", "efficientnet_v2_s", "convnext_tiny", "convnext_small", "regnet_y_400mf",
    "regnet_y_800mf", "shufflenet_v2_x1_0", "squeezenet1_1", "densenet121", "vgg16_bn", "vit_b_16",
    "swin_t", "maxvit_t",
  ],
  detection: [
    "fasterrcnn_resnet50_fpn", "fasterrcnn_resnet50_fpn_v2", "fasterrcnn_mobilenet_v3_large_fpn",
    "fasterrcnn_mobilenet_v3_large_320_fpn", "retinanet_resnet50_fpn", "retinanet_resnet50_fpn_v2",
    "fcos_resnet50_fpn", "ssdlite320_mobilenet_v3_large", "ssd300_vgg16",
  ],
}; // prettier-ignore

/** Where an error code without a field in its details belongs. */
const CODE_FIELD: Record<string, Field> = {
  unknown_architecture: "architecture",
  unknown_model: "architecture",
  graph_required: "architecture",
  graph_output_mismatch: "architecture",
  task_mismatch: "task",
  no_classes: "classes",
  invalid_num_classes: "classes",
  not_weights: "file",
  unsafe_weights: "file",
  safetensors_unavailable: "file",
  upload_too_large: "file",
};

type Field = "file" | "name" | "task" | "architecture" | "classes" | "input_size";

interface GraphModel {
  id: number;
  name: string;
}

let lists = 0;

/** The dialog's body: the form, its per-field errors, the progress bar. */
class UploadForm extends Widget {
  readonly file = h("input", { type: "file", accept: ".pt,.pth,.safetensors", name: "file" });
  readonly name = h("input", { type: "text", name: "name", placeholder: "e.g. pets-classifier", maxLength: 255 });
  readonly task = h(
    "select",
    { name: "task" },
    h("option", { value: "classification" }, "classification"),
    h("option", { value: "detection" }, "detection"),
  );
  readonly architecture = h("input", { type: "text", name: "architecture", placeholder: "e.g. resnet18", autocomplete: "off" });
  readonly classes = h("input", { type: "text", name: "classes", placeholder: "cat, dog, bird (in output order)" });
  readonly inputSize = h("input", { type: "text", name: "input_size", value: "224", placeholder: "224 or 480,640" });
  private readonly options = h("datalist", { id: `cvs-weight-archs-${++lists}` });
  private readonly errors = new Map<Field, HTMLElement>();
  private readonly general = h("div", { className: "cvs-field-error", role: "alert" });
  private readonly progress = h("div", { className: "cvs-upload-progress" });
  private graphs: GraphModel[] = [];
  private sending: { abort: () => void } | null = null;
  private result: Weight | null = null;

  constructor() {
    super();
    this.addClass("cvs");
    this.addClass("cvs-form");
    this.addClass("cvs-weight-upload");
    this.architecture.setAttribute("list", this.options.id);
    const field = (key: Field, label: string, input: HTMLElement, hint = "") => {
      const error = h("span", { className: "cvs-field-error", "data-field": key });
      this.errors.set(key, error);
      return h("label", {}, h("span", {}, label, hint && h("small", {}, ` ${hint}`)), input, error);
    };
    this.node.append(
      field("file", "Weights file", this.file, ".pt, .pth or .safetensors"),
      field("name", "Name", this.name, "a new version if the name exists"),
      h("div", { className: "cvs-form-pair" }, field("task", "Task", this.task), field("input_size", "Input size", this.inputSize)),
      field("architecture", "Architecture", this.architecture, "torchvision name or graph:<model id>"),
      field("classes", "Classes", this.classes, "comma-separated"),
      this.options,
      this.progress,
      this.general,
    );
    this.file.addEventListener("change", () => {
      const f = this.file.files?.[0];
      if (f && !this.name.value) this.name.value = f.name.replace(/\.(pt|pth|safetensors)$/i, "");
    });
    this.task.addEventListener("change", () => this.fillOptions());
    this.fillOptions();
    // the user's saved graph models can be weights' architectures too
    request<Page<GraphModel>>("models", { query: { limit: 500 } })
      .then((page) => {
        this.graphs = page.items;
        this.fillOptions();
      })
      .catch((err: unknown) => this.showError(err));
  }

  get busy(): boolean {
    return this.sending !== null;
  }

  getValue(): Weight | null {
    return this.result;
  }

  abort(): void {
    this.sending?.abort();
  }

  private fillOptions(): void {
    const task = this.task.value as Weight["task"];
    const graphs = task === "classification" ? this.graphs.map((m) => h("option", { value: `graph:${m.id}` }, `${m.name} (model graph)`)) : [];
    this.options.replaceChildren(...ARCHITECTURES[task].map((a) => h("option", { value: a })), ...graphs);
  }

  private clearErrors(): void {
    for (const e of this.errors.values()) e.textContent = "";
    this.general.textContent = "";
  }

  private showError(err: unknown, field?: Field): void {
    const message = err instanceof Error ? err.message : String(err);
    let where: Field | undefined = field;
    if (!where && err instanceof ApiError) {
      where = ([...this.errors.keys()] as Field[]).find((f) => err.about(f) !== undefined) || CODE_FIELD[err.code];
      if (where && err.about(where)) {
        this.errors.get(where)!.textContent = err.about(where)!;
        return;
      }
    }
    (where ? this.errors.get(where)! : this.general).textContent = message;
  }

  /** Checks the form and uploads; resolves to whether the weight is now in the library. */
  async send(): Promise<boolean> {
    this.clearErrors();
    const file = this.file.files?.[0];
    const classes = this.classes.value
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean);
    const missing: [Field, string][] = [];
    if (!file) missing.push(["file", "Choose a .pt, .pth or .safetensors file."]);
    if (!this.name.value.trim()) missing.push(["name", "Give the weight a name."]);
    if (!this.architecture.value.trim()) missing.push(["architecture", "Name the architecture the weights are for."]);
    if (!classes.length) missing.push(["classes", "List the class names in the order of the model's outputs."]);
    for (const [f, m] of missing) this.showError(m, f);
    if (!file || missing.length) return false;

    this.setDisabled(true);
    this.progress.replaceChildren(progressBar(0), h("span", {}, `Uploading ${file.name}…`));
    const job = upload<Weight>(
      "weights/upload",
      {
        name: this.name.value.trim(),
        task: this.task.value,
        architecture: this.architecture.value.trim(),
        classes: classes.join(","),
        input_size: this.inputSize.value.replace(/\s+/g, ""),
      },
      file,
      (fraction) => {
        const text = fraction < 1 ? `Uploading ${file.name}…` : "Checking the weights against the architecture…";
        this.progress.replaceChildren(progressBar(fraction), h("span", {}, text));
      },
    );
    this.sending = job;
    try {
      this.result = await job.done;
      return true;
    } catch (err) {
      this.progress.replaceChildren();
      if (!(err instanceof ApiError && err.code === "aborted")) this.showError(err);
      return false;
    } finally {
      this.sending = null;
      this.setDisabled(false);
    }
  }

  private setDisabled(disabled: boolean): void {
    for (const el of [this.file, this.name, this.task, this.architecture, this.classes, this.inputSize]) el.disabled = disabled;
  }
}

/** A Dialog whose Upload button uploads first and closes only when the weight is stored. */
class UploadDialog extends Dialog<Weight | null> {
  constructor(private readonly form: UploadForm) {
    super({
      title: "Upload a weight",
      body: form,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: "Upload" })],
      focusNodeSelector: "input[type=file]",
    });
  }

  resolve(index?: number): void {
    if (index === 0) {
      this.form.abort();
      super.resolve(0);
      return;
    }
    if (this.form.busy) return;
    void this.form.send().then((stored) => stored && super.resolve(1));
  }

  reject(): void {
    this.form.abort();
    super.reject();
  }
}

export async function uploadWeight(studio: Studio): Promise<void> {
  const result = await new UploadDialog(new UploadForm()).launch();
  const weight = result.value;
  if (!result.button.accept || !weight) return;
  studio.emit("weights");
  studio.open("weight", weight.id);
}
