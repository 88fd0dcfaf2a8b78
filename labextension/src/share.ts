// Sharing (README "Sharing"): another user's item is marked with its owner and offers
// nothing that would change it; the owner's "Share…" dialog names whom it is shared with.
import { Dialog } from "@jupyterlab/apputils";
import { Widget } from "@lumino/widgets";

import { ApiError, request } from "./api";
import { h } from "./dom";

export type ShareKind = "dataset" | "model" | "weight";

/** What every dataset, model and weight says about whose it is. */
export interface Owned {
  owner: string;
  /** true when the user sees it through a share, not as its owner */
  shared?: boolean;
}

/** Whom an item is shared with: `GET` and `POST {kind}s/{id}/share`. */
export interface Sharing {
  users: string[];
  everyone: boolean;
}

/** The tooltip of what another user's item does not offer. */
export function readOnly(item: Owned): string {
  return `shared by ${item.owner} read-only: you can read it, train on it and predict with it, not change it`;
}

/** "squares", or "squares (alice)" for alice's shared with the user: tab titles, options. */
export function withOwner(name: string, item: Owned): string {
  return item.shared ? `${name} (${item.owner})` : name;
}

/** "shared by alice" next to another user's item; nothing for the user's own. */
export function sharedTag(item: Owned): HTMLElement | null {
  if (!item.shared) return null;
  return h("span", { className: "cvs-shared", title: readOnly(item), "data-owner": item.owner }, `shared by ${item.owner}`);
}

/** The dialog's body: the named users, everyone, and the server's complaint. */
class ShareForm extends Widget {
  readonly users = h("input", { type: "text", name: "users", placeholder: "bob, carol", autocomplete: "off" });
  readonly everyone = h("input", { type: "checkbox", name: "everyone" });
  private readonly error = h("div", { className: "cvs-field-error", role: "alert" });
  private result: Sharing | null = null;
  private loaded = false;
  sending = false;

  constructor(private readonly path: string) {
    super();
    this.addClass("cvs");
    this.addClass("cvs-form");
    this.addClass("cvs-share-form");
    this.node.append(
      h("label", {}, h("span", {}, "Users ", h("small", {}, "comma-separated usernames")), this.users),
      h("label", { className: "cvs-share-everyone" }, this.everyone, "Everyone who uses this database"),
      h("p", { className: "cvs-share-note" }, "They can read it, train on it and predict with it; only you change it."),
      this.error,
    );
    this.users.addEventListener("input", () => (this.error.textContent = ""));
    this.setDisabled(true);
    request<Sharing>(path)
      .then((now) => {
        this.users.value = now.users.join(", ");
        this.everyone.checked = now.everyone;
        this.loaded = true;
        this.setDisabled(false);
        this.users.focus();
      })
      .catch((err: unknown) => (this.error.textContent = err instanceof Error ? err.message : String(err)));
  }

  getValue(): Sharing | null {
    return this.result;
  }

  /** Posts the form; resolves to whether the server took it. */
  async send(): Promise<boolean> {
    if (!this.loaded) return false;
    this.error.textContent = "";
    const users = this.users.value
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean);
    this.sending = true;
    this.setDisabled(true);
    try {
      this.result = await request<Sharing>(this.path, { method: "POST", json: { users, everyone: this.everyone.checked } });
      return true;
    } catch (err) {
      this.error.textContent = err instanceof ApiError ? err.about("users") || err.message : String(err);
      return false;
    } finally {
      this.sending = false;
      this.setDisabled(false);
    }
  }

  private setDisabled(disabled: boolean): void {
    this.users.disabled = this.everyone.disabled = disabled;
  }
}

/** A Dialog whose Share button posts first and closes only once the server agreed. */
class ShareDialog extends Dialog<Sharing | null> {
  constructor(
    title: string,
    private readonly form: ShareForm,
  ) {
    super({ title, body: form, buttons: [Dialog.cancelButton(), Dialog.okButton({ label: "Share" })] });
  }

  resolve(index?: number): void {
    if (index === 0) {
      super.resolve(0);
      return;
    }
    if (this.form.sending) return;
    void this.form.send().then((done) => done && super.resolve(1));
  }
}

/** "Share…": whom the user's `kind` `id` (called `name`) is shared with; null when cancelled. */
export async function share(kind: ShareKind, id: number, name: string): Promise<Sharing | null> {
  const result = await new ShareDialog(`Share “${name}”`, new ShareForm(`${kind}s/${id}/share`)).launch();
  return result.button.accept ? result.value : null;
}
