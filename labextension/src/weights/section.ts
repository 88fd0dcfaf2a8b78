import { Section } from "../section";
import { Studio } from "../studio";

export class WeightsSection extends Section {
  constructor(studio: Studio) {
    super(studio, "Weights");
  }
}
