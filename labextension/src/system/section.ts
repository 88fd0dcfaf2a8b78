import { Section } from "../section";
import { Studio } from "../studio";

export class SystemSection extends Section {
  constructor(studio: Studio) {
    super(studio, "System");
  }
}
