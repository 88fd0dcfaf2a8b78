// Every request to CV Studio's API goes through ServerConnection: base_url, token and
// XSRF are handled the way JupyterLab handles its own, so the panels work under a
// prefixed base_url and under JupyterHub's /user/<name>/.
import { URLExt } from "@jupyterlab/coreutils";
import { ServerConnection } from "@jupyterlab/services";

export const API = "cvstudio/api";

/** The server's error body: {"error": {"code", "message", "details"}}. */
export interface ErrorDetail {
  field?: string | null;
  message?: string;
  type?: string;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }

  /** The message of the first detail about `field` (`hyperparameters.lr`) or inside it. */
  about(field: string): string | undefined {
    for (const d of this.details) {
      const f = d.field || "";
      if (f === field || f.startsWith(`${field}.`) || f === `body.${field}` || f.startsWith(`body.${field}.`)) {
        return d.message || this.message;
      }
    }
    return undefined;
  }
}

export interface Page<T> {
  items: T[];
  total: number;
}

let settings: ServerConnection.ISettings = ServerConnection.makeSettings();

/** Tests and the bench may point the panels at another settings object. */
export function useSettings(s: ServerConnection.ISettings): void {
  settings = s;
}

export function serverSettings(): ServerConnection.ISettings {
  return settings;
}

export function url(path: string, query?: Record<string, string | number | boolean | undefined>): string {
  const base = URLExt.join(settings.baseUrl, API, path);
  const q = Object.entries(query || {}).filter(([, v]) => v !== undefined && v !== "");
  return q.length ? `${base}?${q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join("&")}` : base;
}

async function failure(response: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string; details?: ErrorDetail[] } } = {};
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy or the hub answered
  }
  const e = body.error || {};
  return new ApiError(response.status, e.code || "http_error", e.message || `${response.status} ${response.statusText}`, e.details || []);
}

/** A request to the API; resolves to the parsed JSON (undefined for 204), throws ApiError. */
export async function request<T>(
  path: string,
  init: RequestInit & { query?: Record<string, string | number | boolean | undefined>; json?: unknown } = {},
): Promise<T> {
  const { query, json, ...rest } = init;
  if (json !== undefined) {
    rest.body = JSON.stringify(json);
    rest.headers = { "Content-Type": "application/json", ...(rest.headers || {}) };
  }
  const response = await ServerConnection.makeRequest(url(path, query), rest, settings);
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("Content-Type") || "";
  return (type.includes("json") ? await response.json() : await response.blob()) as T;
}

/** Every item of a list, fetched in pages of 500 (the API's largest), in parallel. */
export async function all<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<Page<T>> {
  const first = await request<Page<T>>(path, { query: { ...query, offset: 0, limit: 500 } });
  const rest = [];
  for (let offset = 500; offset < first.total; offset += 500) {
    rest.push(request<Page<T>>(path, { query: { ...query, offset, limit: 500 } }));
  }
  const items = [...first.items];
  for (const page of await Promise.all(rest)) items.push(...page.items);
  return { items, total: first.total };
}

function xsrfToken(): string | undefined {
  const m = document.cookie.match("\\b_xsrf=([^;]*)\\b");
  return m ? m[1] : undefined;
}

/**
 * An upload with progress. fetch() reports no upload progress, so this one request uses
 * XMLHttpRequest, with the same base URL, token and XSRF header ServerConnection sends.
 */
export function upload<T>(
  path: string,
  query: Record<string, string | number | undefined>,
  body: Blob,
  onProgress: (fraction: number) => void,
): { done: Promise<T>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<T>((resolve, reject) => {
    xhr.open("POST", url(path, query));
    xhr.setRequestHeader("Content-Type", body.type || "application/octet-stream");
    if (settings.token) xhr.setRequestHeader("Authorization", `token ${settings.token}`);
    const xsrf = xsrfToken();
    if (xsrf) xhr.setRequestHeader("X-XSRFToken", xsrf);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let parsed: { error?: { code?: string; message?: string; details?: ErrorDetail[] } } & Record<string, unknown> = {};
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(parsed as T);
      else {
        const e = parsed.error || {};
        reject(new ApiError(xhr.status, e.code || "http_error", e.message || `${xhr.status} ${xhr.statusText}`, e.details || []));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "The upload could not reach the server."));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "The upload was cancelled."));
    xhr.send(body);
  });
  return { done, abort: () => xhr.abort() };
}

/**
 * A WebSocket on the API that reconnects (1 s, then backing off to 10 s) until closed.
 * `path` is called on every (re)connect, so a follower can pass `since` its last event.
 */
export class Socket {
  private ws: WebSocket | null = null;
  private closed = false;
  private delay = 1000;
  private timer = 0;

  constructor(
    private readonly path: () => string,
    private readonly onMessage: (data: Record<string, unknown>) => void,
    private readonly onState: (open: boolean) => void = () => undefined,
  ) {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const wsBase = settings.wsUrl || settings.baseUrl.replace(/^http/, "ws");
    let address = URLExt.join(wsBase, API, this.path());
    if (settings.token) address += `${address.includes("?") ? "&" : "?"}token=${encodeURIComponent(settings.token)}`;
    const ws = new settings.WebSocket(address);
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 1000;
      this.onState(true);
    };
    ws.onmessage = (e) => {
      try {
        this.onMessage(JSON.parse(String(e.data)));
      } catch (err) {
        console.error("CV Studio: a socket message could not be handled", err);
      }
    };
    ws.onclose = () => {
      this.onState(false);
      if (this.closed) return;
      this.timer = window.setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(10_000, this.delay * 2);
    };
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.timer);
    this.ws?.close();
  }
}
