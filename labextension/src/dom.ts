// Small DOM helpers, so panels read as what they show.
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string | number | boolean | ((e: Event) => void)>> = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.replace(/^on/, "").toLowerCase(), value);
    else if (key === "className") el.className = String(value);
    else if (key.startsWith("data-") || key.startsWith("aria-") || key === "for" || key === "role") el.setAttribute(key, String(value));
    else (el as unknown as Record<string, unknown>)[key] = value;
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n < 10 && i ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A figure as a person reads it: 0.9889, 12.5, 3 */
export function figure(v: unknown): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "";
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

/** A row of a sidebar list; `data-cvstudio-kind` and `data-cvstudio-id` are stable names. */
export function listRow(kind: string, id: number, ...children: (Node | string)[]): HTMLLIElement {
  const li = h("li", { className: "cvs-row", "data-cvstudio-kind": kind, "data-cvstudio-id": id, tabIndex: 0 }, ...children);
  return li;
}

/** A status pill; its class says the status, so themes can colour it. */
export function pill(status: string): HTMLSpanElement {
  return h("span", { className: `cvs-pill cvs-status-${status}`, "data-status": status }, status);
}

export function progressBar(fraction: number): HTMLDivElement {
  const bar = h("div", { className: "cvs-progress", role: "progressbar", "aria-valuenow": Math.round(fraction * 100) });
  bar.append(h("div", { style: `width: ${Math.max(0, Math.min(100, fraction * 100))}%` } as Record<string, string>));
  return bar;
}
