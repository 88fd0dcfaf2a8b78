// The dataset shapes of the API (see API.md, "Datasets") and small readings of them that
// the sidebar and the tab share.
import { ApiError } from "../api";
import { Box } from "../draw/boxes";

export interface Dataset {
  id: number;
  name: string;
  /** 1 for what registration made; each split, filter, fix makes the next */
  version?: number;
  parent_id?: number | null;
  lineage?: { op: string; params?: Record<string, unknown> }[];
  owner: string;
  /** another user's, shared with this one read-only */
  shared?: boolean;
  format: string;
  task: string;
  path: string;
  /** the studio unpacked it from an upload, so DELETE may also remove its files */
  managed?: boolean;
  status: "indexing" | "ready" | "error";
  progress: number | null;
  error: string | null;
  classes: string[];
  num_images: number;
  num_annotations: number;
  splits: Record<string, number>;
  meta: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface Issue {
  kind: string;
  image: string | null;
  image_id?: number | null;
  annotation_id?: number | null;
  detail: string;
}

export interface Stats {
  num_images: number;
  num_annotations: number;
  classes: { id: number; name: string; images: number; annotations: number }[];
  splits: Record<string, number>;
  image_width: Histogram;
  image_height: Histogram;
  box_area: Histogram;
  box_aspect: Histogram;
  objects_per_image: Histogram;
  issue_counts: Record<string, number>;
  issues: Issue[];
  issues_truncated?: boolean;
}

export interface Annotation {
  id?: number;
  class_id: number | null;
  class_name: string | null;
  bbox: [number, number, number, number] | null;
}

export interface ImageItem {
  id: number;
  file: string;
  split: string;
  width: number | null;
  height: number | null;
  label?: number | null;
  label_name?: string | null;
  annotations: Annotation[];
  issues?: { kind: string; detail: string; annotation_id: number | null }[];
}

/** The one-line description of a dataset: its image count (the key figure, first so a
 * narrow sidebar never cuts it off) · format · task. */
export function summary(d: Dataset): string {
  if (d.status === "error") return d.error || "indexing failed";
  if (d.status === "indexing") return `indexing ${Math.round((d.progress ?? 0) * 100)}% · ${d.format} · ${d.task}`;
  return `${plural(d.num_images, "image")} · ${d.format} · ${d.task}`;
}

/** 4500 → "4,500" */
export function num(n: number): string {
  return n.toLocaleString("en-US");
}

export function plural(n: number, word: string): string {
  return `${num(n)} ${word}${n === 1 ? "" : /(x|s|ch)$/.test(word) ? "es" : "s"}`;
}

/** "corrupt_image" → "corrupt image" */
export function kindLabel(kind: string): string {
  return kind.replace(/_/g, " ");
}

/** What to tell the user about a failure: the server's sentence when it sent one. */
export function message(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : String(err);
}

/** Boxes to draw over an image, from annotations in its pixels. */
export function boxesOf(annotations: Annotation[]): Box[] {
  const out: Box[] = [];
  for (const a of annotations) {
    if (a.bbox) out.push([a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3], a.class_name ?? String(a.class_id)]);
  }
  return out;
}

/** The detail of the "datasets" topic that asks the sidebar to upload a picked zip. */
export interface UploadRequest {
  upload: File;
}

export function isUploadRequest(detail: unknown): detail is UploadRequest {
  return typeof detail === "object" && detail !== null && (detail as UploadRequest).upload instanceof File;
}

/** "pets" for version 1, "pets v3" after */
export function versioned(d: Dataset): string {
  return (d.version ?? 1) > 1 ? `${d.name} v${d.version}` : d.name;
}
