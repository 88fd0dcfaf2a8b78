import { Section } from "../section";
import { Studio } from "../studio";

export class RunsSection extends Section {
  constructor(studio: Studio) {
    super(studio, "Runs");
  }
}
