// An image with its boxes and labels on a canvas: the notebook's DatasetPreview and the
// lab's dataset, weight and prediction views all draw with this.
import { PALETTE } from "./theme";

/** [x, y, w, h, class name] in the pixels of the original image */
export type Box = [number, number, number, number, string];

export type ImageSource = Blob | ArrayBuffer | DataView;

export interface DrawOptions {
  /** Write the class name on each box (default true); false draws the frames only. */
  labels?: boolean;
  /**
   * The CSS width the canvas is shown at. When given, a smaller image is enlarged pixel
   * for pixel to at least that width (times the device pixel ratio) and names and lines
   * are sized to read the same on a 16 px and on a 4000 px image; when absent, both
   * follow the image's own size.
   */
  displayWidth?: number;
}

export function colourOf(name: string, classes: string[]): string {
  const i = classes.indexOf(name);
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
}

// the latest call per canvas: an earlier image that decodes later must not draw over it
const latest = new WeakMap<HTMLCanvasElement, number>();
let calls = 0;

/**
 * Draws `source` into `canvas` and the boxes over it. `width`/`height` are the original
 * image's size (boxes are in its pixels; a thumbnail is smaller); 0 means the image's own.
 * Sets `data-drawn="1"` when done, with `data-boxes` and `data-labels`: how many boxes
 * and names it drew.
 */
export function drawImage(
  canvas: HTMLCanvasElement,
  source: ImageSource,
  size: { width?: number; height?: number },
  boxes: Box[] | undefined,
  classes: string[],
  type = "image/jpeg",
  options: DrawOptions = {},
): Promise<void> {
  const blob = source instanceof Blob ? source : new Blob([source as ArrayBuffer], { type });
  const url = URL.createObjectURL(blob);
  const img = new Image();
  const call = ++calls;
  latest.set(canvas, call);
  canvas.dataset.drawn = "0";
  return new Promise((resolve) => {
    img.onload = () => {
      URL.revokeObjectURL(url);
      if (latest.get(canvas) !== call) {
        resolve();
        return;
      }
      const { naturalWidth: iw, naturalHeight: ih } = img;
      const shown = options.displayWidth && options.displayWidth > 0 ? options.displayWidth : 0;
      const enlarge = shown ? Math.max(1, Math.ceil((shown * Math.min(2, window.devicePixelRatio || 1)) / iw)) : 1;
      canvas.width = iw * enlarge;
      canvas.height = ih * enlarge;
      // canvas pixels per CSS pixel when the width shown is known
      const px = shown ? canvas.width / shown : 0;
      let names = 0;
      const ctx = canvas.getContext("2d");
      if (ctx) {
        ctx.imageSmoothingEnabled = enlarge === 1;
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        const sx = canvas.width / (size.width || iw);
        const sy = canvas.height / (size.height || ih);
        ctx.lineWidth = px ? 1.5 * px : Math.max(1, iw / 160);
        const fontPx = px ? 11 * px : Math.max(9, Math.min(16, iw / 18));
        ctx.font = `${fontPx}px sans-serif`;
        ctx.textBaseline = "bottom";
        for (const [x, y, w, h, name] of boxes || []) {
          const colour = colourOf(name, classes);
          ctx.strokeStyle = colour;
          ctx.strokeRect(x * sx, y * sy, w * sx, h * sy);
          if (options.labels === false) continue;
          const label = String(name);
          const tw = ctx.measureText(label).width + 4;
          const ty = y * sy > fontPx + 2 ? y * sy : y * sy + fontPx + 2;
          ctx.fillStyle = colour;
          ctx.fillRect(x * sx, ty - fontPx - 2, tw, fontPx + 2);
          ctx.fillStyle = "#fff";
          ctx.fillText(label, x * sx + 2, ty - 1);
          names++;
        }
      }
      canvas.dataset.boxes = String(boxes ? boxes.length : 0);
      canvas.dataset.labels = String(names);
      canvas.dataset.drawn = "1";
      resolve();
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      if (latest.get(canvas) === call) canvas.dataset.drawn = "error";
      resolve();
    };
    img.src = url;
  });
}
