import { Section } from "../section";
import { Studio } from "../studio";

export class DatasetsSection extends Section {
  constructor(studio: Studio) {
    super(studio, "Datasets");
  }
}
