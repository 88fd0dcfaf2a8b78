// A collapsible section of the sidebar: a header (title, count, action buttons) and a
// body. Datasets, Runs, Weights and System each extend it.
import { Widget } from "@lumino/widgets";

import { h } from "./dom";
import { Studio } from "./studio";

export abstract class Section extends Widget {
  readonly header: HTMLElement;
  readonly actions: HTMLElement;
  readonly body: HTMLElement;
  readonly status: HTMLElement;
  private readonly counter: HTMLElement;

  constructor(
    readonly studio: Studio,
    readonly name: string,
  ) {
    super();
    this.addClass("cvs-section");
    this.node.dataset.cvstudioSection = name.toLowerCase();
    this.counter = h("span", { className: "cvs-count" });
    this.actions = h("span", { className: "cvs-actions" });
    const toggle = h("button", { className: "cvs-toggle", title: `Show or hide ${name}`, "aria-expanded": "true" }, name);
    toggle.addEventListener("click", () => {
      const hidden = this.node.classList.toggle("cvs-collapsed");
      toggle.setAttribute("aria-expanded", String(!hidden));
    });
    this.header = h("div", { className: "cvs-section-head" }, toggle, this.counter, this.actions);
    this.status = h("div", { className: "cvs-section-status", role: "status" });
    this.body = h("div", { className: "cvs-section-body" });
    this.node.append(this.header, this.status, this.body);
  }

  setCount(n: number | string): void {
    this.counter.textContent = String(n);
  }

  /** A line under the header: an error from the server, or what is happening. */
  say(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle("cvs-error", error);
  }

  addAction(label: string, title: string, onClick: () => void, className = ""): HTMLButtonElement {
    const b = h("button", { className: `cvs-action ${className}`.trim(), title }, label);
    b.addEventListener("click", (e) => {
      e.stopPropagation();
      onClick();
    });
    this.actions.append(b);
    return b;
  }
}
