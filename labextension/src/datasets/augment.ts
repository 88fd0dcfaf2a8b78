// The augmentation preview of a dataset tab: an albumentations pipeline picked from the
// presets or typed as JSON, run by the server on one image (POST datasets/{id}/augment),
// the samples drawn with their moved boxes beside the original.
import { ApiError, request } from "../api";
import { h } from "../dom";
import { drawImage } from "../draw/boxes";
import { drawItem } from "./images";
import { Annotation, Dataset, ImageItem, boxesOf, message } from "./types";

interface Sample {
  image: string;
  annotations: Annotation[];
}

type Step = Record<string, unknown>;

export const PRESETS: [string, Step[]][] = [
  [
    "Flip + rotate",
    [
      { type: "HorizontalFlip", p: 0.5 },
      { type: "Rotate", limit: 20, p: 1 },
    ],
  ],
  ["Color jitter", [{ type: "ColorJitter", brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 1 }]],
  ["Random resized crop", [{ type: "RandomResizedCrop", size: [256, 256], scale: [0.4, 1], p: 1 }]],
  [
    "Blur + noise",
    [
      { type: "GaussianBlur", blur_limit: [3, 7], p: 1 },
      { type: "GaussNoise", std_range: [0.05, 0.15], p: 1 },
    ],
  ],
];

const SAMPLES = 4;

/** One step a line, spaced like a person writes it. */
function pretty(steps: Step[]): string {
  const step = (s: Step) =>
    `{${Object.entries(s)
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v).replace(/,/g, ", ")}`)
      .join(", ")}}`;
  return `[\n  ${steps.map(step).join(",\n  ")}\n]`;
}

function decode(base64: string): Blob {
  const raw = atob(base64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new Blob([bytes], { type: "image/png" });
}

export class AugmentPanel {
  readonly node: HTMLElement;
  private readonly image = h("p", { className: "cvs-ds-aug-image" });
  private readonly preset: HTMLSelectElement;
  private readonly pipeline = h("textarea", {
    className: "cvs-ds-pipeline",
    rows: 6,
    "aria-label": "Pipeline (JSON)",
  });
  private readonly error = h("div", { className: "cvs-field-error cvs-ds-aug-error", role: "alert" });
  private readonly seed = h("input", { type: "number", min: 0, step: 1, className: "cvs-ds-seed", "aria-label": "Seed" });
  private readonly run = h("button", { className: "cvs-button cvs-primary" }, "Preview");
  private readonly samples = h("div", { className: "cvs-ds-samples" });
  private item: ImageItem | null = null;
  private ticket = 0;

  constructor(private readonly dataset: Dataset) {
    this.preset = h(
      "select",
      { "aria-label": "Preset" },
      ...PRESETS.map(([name], i) => h("option", { value: String(i) }, name)),
      h("option", { value: "custom" }, "Custom (edit the JSON)"),
    );
    this.pipeline.spellcheck = false;
    this.pipeline.value = pretty(PRESETS[0][1]);
    this.seed.value = String(Math.floor(Math.random() * 10_000));
    this.preset.addEventListener("change", () => {
      const chosen = PRESETS[Number(this.preset.value)];
      if (chosen) this.pipeline.value = pretty(chosen[1]);
      this.error.replaceChildren();
    });
    this.pipeline.addEventListener("input", () => {
      this.preset.value = "custom";
      this.error.replaceChildren();
    });
    // typing in the textarea must not reach JupyterLab's shortcuts
    this.pipeline.addEventListener("keydown", (e) => e.stopPropagation());
    this.run.addEventListener("click", () => void this.preview());
    const reseed = h("button", { className: "cvs-button", title: "Draw other samples" }, "New seed");
    reseed.addEventListener("click", () => {
      this.seed.value = String(Math.floor(Math.random() * 10_000));
      void this.preview();
    });
    this.node = h(
      "div",
      { className: "cvs-ds-augment" },
      this.image,
      h("label", { className: "cvs-ds-field" }, "Preset", this.preset),
      h("label", { className: "cvs-ds-field" }, "Pipeline (albumentations, JSON)", this.pipeline),
      this.error,
      h("div", { className: "cvs-ds-aug-run" }, h("label", {}, "Seed ", this.seed), this.run, reseed),
      this.samples,
    );
    this.setImage(null);
  }

  /** The image the preview runs on. */
  setImage(item: ImageItem | null): void {
    this.item = item;
    this.run.disabled = !item;
    this.image.replaceChildren(
      item
        ? h("span", {}, "Image: ", h("b", { title: item.file }, item.file))
        : "Open an image and press “Augment this image”.",
    );
  }

  hasImage(): boolean {
    return this.item !== null;
  }

  async preview(): Promise<void> {
    const item = this.item;
    if (!item) return;
    let pipeline: unknown;
    try {
      pipeline = JSON.parse(this.pipeline.value);
    } catch (err) {
      this.error.textContent = `The pipeline is not valid JSON: ${message(err)}`;
      return;
    }
    if (!Array.isArray(pipeline)) {
      this.error.textContent = 'The pipeline is a JSON list of steps, like [{"type": "HorizontalFlip", "p": 1}].';
      return;
    }
    const ticket = ++this.ticket;
    this.error.replaceChildren();
    this.run.disabled = true;
    this.samples.classList.add("cvs-ds-loading");
    try {
      const n = Number(this.seed.value);
      const seed = this.seed.value !== "" && Number.isInteger(n) && n >= 0 ? n : undefined;
      const { samples } = await request<{ samples: Sample[] }>(`datasets/${this.dataset.id}/augment`, {
        method: "POST",
        json: { image_id: item.id, pipeline, count: SAMPLES, seed },
      });
      if (ticket !== this.ticket) return;
      await this.draw(item, samples);
    } catch (err) {
      if (ticket !== this.ticket) return;
      this.samples.replaceChildren(); // samples of another pipeline would mislead
      this.error.replaceChildren(h("div", {}, message(err)));
      const allowed = err instanceof ApiError ? err.details[0]?.allowed : undefined;
      if (Array.isArray(allowed)) {
        this.error.append(h("div", { className: "cvs-ds-allowed" }, `Allowed: ${allowed.join(", ")}`));
      }
    } finally {
      if (ticket === this.ticket) {
        this.run.disabled = false;
        this.samples.classList.remove("cvs-ds-loading");
      }
    }
  }

  private async draw(item: ImageItem, samples: Sample[]): Promise<void> {
    const classes = this.dataset.classes;
    const tile = (title: string, canvas: HTMLCanvasElement) =>
      h(
        "figure",
        { className: "cvs-ds-sample" },
        h("div", { className: "cvs-ds-frame" }, canvas),
        h("figcaption", {}, title),
      );
    const original = h("canvas", { width: 1, height: 1 });
    const canvases = samples.map(() => h("canvas", { width: 1, height: 1, "data-sample": "1" }));
    this.samples.replaceChildren(
      tile("original", original),
      ...canvases.map((c, i) => tile(`sample ${i + 1}${item.label_name ? ` · ${item.label_name}` : ""}`, c)),
    );
    const drawn = samples.map((s, i) =>
      drawImage(canvases[i], decode(s.image), {}, boxesOf(s.annotations), classes, "image/png"),
    );
    await Promise.all([drawItem(original, this.dataset.id, item, "full", classes), ...drawn]);
    for (const c of canvases) c.classList.toggle("cvs-ds-pixelated", c.width < 96);
    this.samples.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
}
