// Trying a weight on one image: dropped from the computer, dragged from JupyterLab's
// file browser, typed as a path, or chosen with a file dialog. Draws the answer.
import { Contents } from "@jupyterlab/services";

import { ApiError, request } from "../api";
import { h } from "../dom";
import { Box, colourOf, drawImage } from "../draw/boxes";
import { Studio } from "../studio";
import type { Weight } from "./section";

/** What JupyterLab's file browser puts on a drag: the dragged paths. */
const CONTENTS_MIME = "application/x-jupyter-icontents";

/** The part of a Lumino drag event used here (@lumino/dragdrop's Drag.Event). */
interface LuminoDragEvent extends MouseEvent {
  mimeData: { hasData(mime: string): boolean; getData(mime: string): unknown };
  proposedAction: string;
  dropAction: string;
}

interface Prediction {
  class_id: number;
  class_name: string;
  score: number;
}

interface Detection extends Prediction {
  bbox: [number, number, number, number];
}

interface PredictResult {
  task: string;
  predictions?: Prediction[];
  detections?: Detection[];
  time_ms: number;
}

interface Picture {
  base64: string;
  blob: Blob;
  label: string;
}

/** detections listed under the image (all of them are drawn) */
const MAX_LISTED = 20;

const IMAGE = /\.(png|jpe?g|bmp|gif|webp|tiff?)$/i;

function milliseconds(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function toBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

function fromBase64(base64: string, type: string): Blob {
  const raw = atob(base64);
  const buf = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) buf[i] = raw.charCodeAt(i);
  return new Blob([buf], { type });
}

export class Predictor {
  readonly node: HTMLElement;
  private weight: Weight | null = null;
  private readonly path = h("input", {
    type: "text",
    className: "cvs-predict-path",
    placeholder: "path in the file browser, e.g. data/cat.jpg",
    "aria-label": "Image path",
  });
  private readonly picker = h("input", { type: "file", accept: "image/*", hidden: true });
  private readonly threshold = h("input", { type: "number", min: 0, max: 1, step: 0.05, value: "0.5", "aria-label": "Score threshold" });
  private readonly thresholdRow = h("label", { className: "cvs-predict-threshold", hidden: true }, "Score threshold ", this.threshold);
  private readonly drop: HTMLElement;
  private readonly error = h("div", { className: "cvs-field-error", role: "alert" });
  private readonly result = h("div", { className: "cvs-predict-result" });
  private last: Picture | null = null;
  private busy = 0;

  constructor(
    private readonly studio: Studio,
    private readonly weightId: number,
  ) {
    const choose = h("button", { className: "cvs-button", onclick: () => this.picker.click() }, "Choose file…");
    const go = h("button", { className: "cvs-button cvs-primary", onclick: () => void this.fromPath() }, "Predict");
    this.drop = h(
      "div",
      { className: "cvs-drop", "data-lm-dragscroll": "" },
      h("div", { className: "cvs-drop-hint" }, "Drop an image here, from your computer or from the file browser"),
      h("div", { className: "cvs-drop-or" }, "or"),
      h("div", { className: "cvs-predict-pick" }, this.path, go, choose),
      this.picker,
    );
    this.node = h("section", { className: "cvs-predict" }, h("h3", {}, "Predict"), this.drop, this.thresholdRow, this.error, this.result);
    this.path.addEventListener("keydown", (e) => e.key === "Enter" && void this.fromPath());
    this.picker.addEventListener("change", () => {
      const f = this.picker.files?.[0];
      if (f) void this.fromFile(f);
      this.picker.value = "";
    });
    this.threshold.addEventListener("change", () => this.last && void this.predict(this.last));
    this.listen();
  }

  setWeight(w: Weight): void {
    this.weight = w;
    this.thresholdRow.hidden = w.task !== "detection";
  }

  dispose(): void {
    this.busy = -1;
  }

  /** Native drops (files from the OS) and Lumino drops (paths from the file browser). */
  private listen(): void {
    const zone = this.drop;
    const over = (on: boolean) => zone.classList.toggle("cvs-drop-over", on);
    const osFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files");
    zone.addEventListener("dragover", (e) => {
      if (!osFiles(e)) return;
      e.preventDefault();
      e.dataTransfer!.dropEffect = "copy";
      over(true);
    });
    zone.addEventListener("dragleave", () => over(false));
    zone.addEventListener("drop", (e) => {
      over(false);
      const f = e.dataTransfer?.files[0];
      if (!f) return;
      e.preventDefault();
      void this.fromFile(f);
    });
    const accept = (e: Event) => {
      const d = e as LuminoDragEvent;
      if (!d.mimeData?.hasData(CONTENTS_MIME)) return false;
      // the main area would otherwise open the file in a tab of its own
      e.preventDefault();
      e.stopPropagation();
      d.dropAction = d.proposedAction;
      return true;
    };
    zone.addEventListener("lm-dragenter", (e) => accept(e) && over(true));
    zone.addEventListener("lm-dragover", (e) => void accept(e));
    zone.addEventListener("lm-dragleave", (e) => {
      const related = (e as MouseEvent).relatedTarget as Node | null;
      if (!related || !zone.contains(related)) over(false);
    });
    zone.addEventListener("lm-drop", (e) => {
      over(false);
      if (!accept(e)) return;
      const paths = (e as LuminoDragEvent).mimeData.getData(CONTENTS_MIME) as string[];
      if (paths?.length) {
        this.path.value = paths[0];
        void this.fromPath();
      }
    });
  }

  private say(text: string): void {
    this.error.textContent = text;
  }

  private async fromFile(file: File): Promise<void> {
    if (file.type && !file.type.startsWith("image/")) {
      this.say(`${file.name} is not an image (${file.type}).`);
      return;
    }
    this.say("");
    await this.predict({ base64: await toBase64(file), blob: file, label: file.name });
  }

  private async fromPath(): Promise<void> {
    const path = this.path.value.trim().replace(/^\/+/, "");
    if (!path) {
      this.say("Give the path of an image in the file browser, or drop one here.");
      return;
    }
    this.say("");
    let model: Contents.IModel;
    try {
      model = await this.studio.app.serviceManager.contents.get(path, { content: true, format: "base64", type: "file" });
    } catch (err) {
      this.say(IMAGE.test(path) ? `${path} could not be read: ${(err as Error).message}` : `${path} is not an image file.`);
      return;
    }
    // the contents API wraps base64 at 76 characters; the predict endpoint wants it plain
    const base64 = String(model.content).replace(/\s+/g, "");
    const type = model.mimetype && model.mimetype.startsWith("image/") ? model.mimetype : "image/png";
    await this.predict({ base64, blob: fromBase64(base64, type), label: path });
  }

  private async predict(picture: Picture): Promise<void> {
    if (this.busy < 0) return;
    const ticket = ++this.busy;
    this.last = picture;
    this.result.classList.add("cvs-busy");
    this.say("");
    const detection = this.weight?.task === "detection";
    try {
      const r = await request<PredictResult>("inference/predict", {
        method: "POST",
        json: {
          weight_id: this.weightId,
          image: picture.base64,
          top_k: 5,
          ...(detection ? { score_threshold: Number(this.threshold.value) || 0 } : {}),
        },
      });
      if (ticket === this.busy) await this.draw(picture, r);
    } catch (err) {
      if (ticket !== this.busy) return;
      this.result.replaceChildren();
      this.say(err instanceof ApiError ? `${err.message}` : String(err));
    } finally {
      if (ticket === this.busy) this.result.classList.remove("cvs-busy");
    }
  }

  private async draw(picture: Picture, r: PredictResult): Promise<void> {
    const canvas = h("canvas", { className: "cvs-predict-image" });
    const meta = h("div", { className: "cvs-predict-meta" }, h("span", { title: picture.label }, picture.label), h("span", { "data-time-ms": r.time_ms }, milliseconds(r.time_ms)));
    let list: HTMLElement;
    if (r.detections) {
      const labels = r.detections.map((d) => `${d.class_name} ${d.score.toFixed(2)}`);
      const boxes: Box[] = r.detections.map((d, i) => [...d.bbox, labels[i]]);
      await drawImage(canvas, picture.blob, {}, boxes, labels, picture.blob.type);
      list = h("ol", { className: "cvs-detections", "data-count": r.detections.length });
      r.detections.slice(0, MAX_LISTED).forEach((d, i) => {
        const [x, y, w, hh] = d.bbox.map((v) => Math.round(v));
        list.append(
          h(
            "li",
            { "data-class": d.class_name, "data-score": d.score },
            h("span", { className: "cvs-swatch", style: `background: ${colourOf(labels[i], labels)}` }),
            h("span", { className: "cvs-rank-name" }, d.class_name),
            h("span", { className: "cvs-rank-score" }, d.score.toFixed(3)),
            h("span", { className: "cvs-bbox" }, `${x}, ${y}, ${w} × ${hh}`),
          ),
        );
      });
      if (!r.detections.length) list.append(h("li", { className: "cvs-muted" }, "Nothing detected above the score threshold."));
      if (r.detections.length > MAX_LISTED) {
        list.append(h("li", { className: "cvs-muted" }, `… and ${r.detections.length - MAX_LISTED} more (raise the score threshold)`));
      }
    } else {
      await drawImage(canvas, picture.blob, {}, [], [], picture.blob.type);
      list = h("ol", { className: "cvs-ranks", "data-count": (r.predictions || []).length });
      for (const p of r.predictions || []) {
        const pct = Math.max(0, Math.min(100, p.score * 100));
        list.append(
          h(
            "li",
            { "data-class": p.class_name, "data-score": p.score },
            h("span", { className: "cvs-rank-name", title: p.class_name }, p.class_name),
            h("span", { className: "cvs-rank-bar" }, h("span", { style: `width: ${pct}%` })),
            h("span", { className: "cvs-rank-score" }, p.score.toFixed(3)),
          ),
        );
      }
    }
    // a few-pixel image shown larger stays sharp instead of smeared
    canvas.classList.toggle("cvs-pixelated", canvas.width < 96);
    if (canvas.dataset.drawn === "error") {
      this.say(`${picture.label} was sent, but the browser cannot show this image type.`);
    }
    this.result.replaceChildren(h("div", { className: "cvs-predict-figure" }, canvas), h("div", { className: "cvs-predict-answer" }, meta, list));
  }
}
