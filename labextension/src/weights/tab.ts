import { Widget } from "@lumino/widgets";

import { Studio } from "../studio";

export class WeightTab extends Widget {
  constructor(
    readonly studio: Studio,
    readonly itemId: number,
  ) {
    super();
    this.title.label = "Weight " + itemId;
  }
}
