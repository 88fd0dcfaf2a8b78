import { Widget } from "@lumino/widgets";

import { Studio } from "../studio";

export const NEW_RUN_ID = "cvstudio-new-run";

export class NewRunForm extends Widget {
  constructor(
    readonly studio: Studio,
    readonly preset: { dataset_id?: number },
  ) {
    super();
    this.title.label = "New run";
  }
}
