// An image with its boxes and labels on a canvas: the notebook's DatasetPreview and the
// lab's dataset, weight and prediction views all draw with this.
import { PALETTE } from "./theme";

/** [x, y, w, h, class name] in the pixels of the original image */
export type Box = [number, number, number, number, string];

export type ImageSource = Blob | ArrayBuffer | DataView;

export function colourOf(name: string, classes: string[]): string {
  const i = classes.indexOf(name);
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
}

/**
 * Draws `source` into `canvas` and the boxes over it. `width`/`height` are the original
 * image's size (boxes are in its pixels; a thumbnail is smaller); 0 means the image's own.
 * Sets `data-drawn="1"` when done.
 */
export function drawImage(
  canvas: HTMLCanvasElement,
  source: ImageSource,
  size: { width?: number; height?: number },
  boxes: Box[] | undefined,
  classes: string[],
  type = "image/jpeg",
): Promise<void> {
  const blob = source instanceof Blob ? source : new Blob([source as ArrayBuffer], { type });
  const url = URL.createObjectURL(blob);
  const img = new Image();
  return new Promise((resolve) => {
    img.onload = () => {
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext("2d");
      if (ctx) {
        ctx.drawImage(img, 0, 0);
        const sx = img.naturalWidth / (size.width || img.naturalWidth);
        const sy = img.naturalHeight / (size.height || img.naturalHeight);
        ctx.lineWidth = Math.max(1, img.naturalWidth / 160);
        const fontPx = Math.max(9, Math.min(16, img.naturalWidth / 18));
        ctx.font = `${fontPx}px sans-serif`;
        ctx.textBaseline = "bottom";
        for (const [x, y, w, h, name] of boxes || []) {
          const colour = colourOf(name, classes);
          ctx.strokeStyle = colour;
          ctx.strokeRect(x * sx, y * sy, w * sx, h * sy);
          const label = String(name);
          const tw = ctx.measureText(label).width + 4;
          const ty = y * sy > fontPx + 2 ? y * sy : y * sy + fontPx + 2;
          ctx.fillStyle = colour;
          ctx.fillRect(x * sx, ty - fontPx - 2, tw, fontPx + 2);
          ctx.fillStyle = "#fff";
          ctx.fillText(label, x * sx + 2, ty - 1);
        }
      }
      URL.revokeObjectURL(url);
      canvas.dataset.drawn = "1";
      resolve();
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      canvas.dataset.drawn = "error";
      resolve();
    };
    img.src = url;
  });
}
