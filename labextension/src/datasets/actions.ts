// Dataset actions the palette and the file browser's context menu run; the sidebar's path
// field registers through the same `register`.
import { InputDialog, showErrorMessage } from "@jupyterlab/apputils";

import { Page, request } from "../api";
import { Studio } from "../studio";
import { Dataset, UploadRequest, message } from "./types";

/** The last component of a path: the name a folder's dataset gets ("data/shapes/" → "shapes"). */
export function lastComponent(path: string): string {
  const parts = path.replace(/[\\/]+$/, "").split(/[\\/]/);
  return parts[parts.length - 1] || "dataset";
}

/**
 * `base`, or `base-2`, `base-3`, ... when the user already has a dataset by that name, so
 * registering the same folder twice works like copying a file instead of failing with 409.
 */
export async function freeName(base: string): Promise<string> {
  const { items } = await request<Page<Dataset>>("datasets", { query: { q: base, limit: 500 } });
  const taken = new Set(items.map((d) => d.name));
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

/** Registers the folder `path`, named after its last component; 202 with the dataset indexing. */
export async function register(path: string): Promise<Dataset> {
  const name = await freeName(lastComponent(path));
  return request<Dataset>("datasets", { method: "POST", json: { name, path } });
}

export async function registerFolder(studio: Studio, path?: string): Promise<void> {
  if (path === undefined) {
    const answer = await InputDialog.getText({
      title: "Register a dataset",
      label: "Folder on the server (relative to the root of the file browser, or absolute):",
      placeholder: "data/shapes",
      okLabel: "Register",
    });
    if (!answer.button.accept || !answer.value?.trim()) return;
    path = answer.value.trim();
  }
  try {
    const dataset = await register(path);
    studio.emit("datasets");
    studio.open("dataset", dataset.id);
  } catch (err) {
    await showErrorMessage(`Cannot register ${path || "the folder"}`, message(err));
  }
}

export const ZIP_TYPES = ".zip,application/zip,application/x-zip-compressed";

/** A zip picked by the user, or null when the picker was closed. */
function pickZip(): Promise<File | null> {
  const picker = document.createElement("input");
  picker.type = "file";
  picker.accept = ZIP_TYPES;
  return new Promise((resolve) => {
    picker.onchange = () => {
      resolve(picker.files?.[0] || null);
    };
    picker.oncancel = () => resolve(null);
    picker.click();
  });
}

/**
 * Picks a zip, then hands it to the sidebar's Datasets section (the "datasets" topic with
 * `{upload: file}`), which shows the upload's progress bar and the new row.
 */
export async function uploadZip(studio: Studio): Promise<void> {
  const file = await pickZip();
  if (file) studio.emit("datasets", { upload: file } satisfies UploadRequest);
}
