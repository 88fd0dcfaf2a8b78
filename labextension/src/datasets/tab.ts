import { Widget } from "@lumino/widgets";

import { Studio } from "../studio";

export class DatasetTab extends Widget {
  constructor(
    readonly studio: Studio,
    readonly itemId: number,
  ) {
    super();
    this.title.label = "Dataset " + itemId;
  }
}
